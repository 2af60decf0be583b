import { bodyReadFailure } from '../../src/http/body-errors';

// docs/interactions/create.md — body-parser's errors of a client keep their status (never 500).
describe('bodyReadFailure', () => {
  /** An error as body-parser raises it (http-errors: `expose` for a client's 4xx). */
  const createError = (status: number, message: string, props: { type: string }): Error =>
    Object.assign(new Error(message), { status, statusCode: status, expose: status < 500, ...props });

  test.each([
    ['request.aborted', 400],
    ['request.size.invalid', 400],
    ['entity.verify.failed', 403],
    ['charset.unsupported', 415],
    ['encoding.unsupported', 415],
    ['entity.too.large', 413],
  ])('%s keeps status %i, with a bilingual OperationOutcome', (type, status) => {
    const failure = bodyReadFailure(createError(status, 'body trouble', { type }), 1024);
    expect(failure?.status).toBe(status);
    expect(failure?.outcome.issue?.[0].diagnostics).toMatch(/ \/ /);
  });

  test('a fault of the server (stream.not.readable, 500) is left to the generic 500', () => {
    expect(bodyReadFailure(createError(500, 'stream is not readable', { type: 'stream.not.readable' }), 1024)).toBeUndefined();
    expect(bodyReadFailure(new Error('boom'), 1024)).toBeUndefined();
  });
});
