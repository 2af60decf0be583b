import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateResource, OperationOutcomeError } from '@medplum/core';
import type { Resource, TestScript } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { renderReport, runTestScript, type RunnerOptions } from './testscript-runner';

/**
 * Runs the R4 specification's TestScripts (../shared/fhir-data/conformance-tests/testscripts-r4-spec,
 * see SOURCE.md there) against the running server with our TestScript runner. Each script is one
 * test; every assert in it must be evaluated and pass, except the few whose expectation is wrong
 * in the script itself (KNOWN_WRONG, with the reason).
 */
const shared = path.resolve(__dirname, '../../..', 'shared');
const scriptsDir = path.join(shared, 'fhir-data/conformance-tests/testscripts-r4-spec');
const examplesDir = path.join(shared, 'fhir-data/fhir-r4-spec-examples/examples');
const present = fs.existsSync(scriptsDir) && fs.existsSync(examplesDir);
const run = present ? describe : describe.skip;
if (!present) console.log(`testscripts: skipped, ${scriptsDir} or ${examplesDir} is absent (the shared test data sits beside the repository)`);

/** Scripts that cannot run against one server, with the reason. */
const NOT_RUNNABLE: Record<string, string> = {
  'TestScript-testscript-example-multisystem.json':
    'needs two destination servers and asserts that the client asked for XML (Accept contains "xml"); we have one JSON-only server',
};

/** Asserts whose expectation contradicts R4, keyed `<test id> › <assert description>`. */
const KNOWN_WRONG: Record<string, string> = {
  // R4 id datatype: [A-Za-z0-9\-\.]{1,64} — capitals are allowed, so this id is well formed and
  // simply absent: 404 Not Found is the right answer, 400 would be wrong.
  'R004 › Confirm that the returned HTTP status is 400(Bad Request).':
    'R4 ids may contain capitals ([A-Za-z0-9\\-\\.]{1,64}); "ID-may-not-contain-CAPITALS" is a valid, unknown id, so the server answers 404',
};

/** Values a tester enters for variables that only carry a hint: the Patient the search script creates. */
const TESTER_VARIABLES: Record<string, string> = { PatientSearchFamilyName: 'Chalmers', PatientSearchGivenName: 'Peter' };

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** `Patient/example` → examples/Patient-example.json. */
function resolveFixture(reference: string): Resource {
  const file = path.join(examplesDir, `${reference.replace('/', '-')}.json`);
  if (!fs.existsSync(file)) throw new Error(`fixture ${reference} not found at ${file}`);
  return readJson<Resource>(file);
}

/** Base-profile validation with @medplum/core, independent of the server's own validator. */
function validateProfile(resource: Resource, profileUrl: string): string[] {
  if (profileUrl !== `http://hl7.org/fhir/StructureDefinition/${resource.resourceType}`) return [`only base profiles are known to this runner, not ${profileUrl}`];
  try {
    return validateResource(resource)
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => `${i.expression?.join(',')}: ${i.details?.text}`);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return (err.outcome.issue ?? []).map((i) => `${i.expression?.join(',')}: ${i.details?.text}`);
    throw err;
  }
}

/** Asserts declared in a script (setup and tests; teardown has none). */
function declaredAsserts(script: TestScript): number {
  const count = (actions?: { assert?: unknown }[]) => (actions ?? []).filter((a) => a.assert).length;
  return count(script.setup?.action) + (script.test ?? []).reduce((n, t) => n + count(t.action), 0);
}

const files = present ? fs.readdirSync(scriptsDir).filter((f) => /^TestScript-.*\.json$/.test(f)).sort() : [];

run('R4 specification TestScripts', () => {
  let server: TestServer;
  let options: RunnerOptions;
  let totalAsserts = 0;
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'testreports-'));

  beforeAll(async () => {
    server = await startTestServer();
    options = {
      baseUrl: server.baseUrl,
      // The tester's credentials (a signed-in clinician), as any client of the station would send.
      requestHeaders: server.token ? { authorization: `Bearer ${server.token}` } : {},
      resolveFixture,
      validateProfile,
      variables: TESTER_VARIABLES,
      // The server speaks JSON only (_format=xml is 406): the scripts' XML requests and
      // contentType asserts run in JSON; what they test is the interaction, not the syntax.
      formats: { xml: 'json' },
      knownWrongAsserts: KNOWN_WRONG,
    };
  });
  afterAll(async () => {
    await server?.close();
    console.log(`testscripts: ${totalAsserts} asserts evaluated; TestReport JSON written to ${reportDir}`);
  });

  test('the six scripts of the specification are all here', () => {
    expect(files).toHaveLength(6);
  });

  for (const file of files) {
    const title = file.replace(/^TestScript-|\.json$/g, '');
    if (NOT_RUNNABLE[file]) {
      console.log(`testscripts: ${title} skipped — ${NOT_RUNNABLE[file]}`);
      test.skip(`${title} (skipped: ${NOT_RUNNABLE[file]})`, () => undefined);
      continue;
    }
    test(title, async () => {
      const script = readJson<TestScript>(path.join(scriptsDir, file));
      if (script.id === 'testscript-example-readtest') {
        // The read test expects a "known Patient" (variable KnownPatientResourceId = example) on
        // the server; a tester would load it first, and so do we.
        const seeded = await fhirFetch(`${server.baseUrl}/Patient/example`, { method: 'PUT', body: resolveFixture('Patient/example') });
        expect([200, 201]).toContain(seeded.status);
      }
      const result = await runTestScript(script, options);
      console.log(renderReport(result.report));
      fs.writeFileSync(path.join(reportDir, `TestReport-${script.id}.json`), JSON.stringify(result.report, null, 2));
      totalAsserts += result.asserts.length;

      expect(result.asserts.length).toBeGreaterThan(0);
      expect(result.asserts.length).toBe(declaredAsserts(script));
      expect(result.asserts.filter((a) => a.result === 'skip')).toEqual([]);
      // warningOnly asserts allow for servers without versioning; ours versions, so they must pass too.
      expect(result.asserts.filter((a) => a.result === 'warning').map((a) => a.message)).toEqual([]);
      expect(result.unexpected.map((a) => `${a.where} › ${a.description}: ${a.result} — ${a.message}`)).toEqual([]);
      const wrongHere = Object.keys(KNOWN_WRONG).filter((key) => result.asserts.some((a) => `${a.where} › ${a.description}` === key));
      expect(result.report.result).toBe(wrongHere.length ? 'fail' : 'pass');
    });
  }

  test('runner self-check: conditional operations, variables, vread and a failing assert', async () => {
    const op = (code: string, extra: Record<string, unknown>) => ({ operation: { type: { system: 'http://terminology.hl7.org/CodeSystem/testscript-operation-codes', code }, resource: 'Patient', ...extra } });
    const assert = (description: string, extra: Record<string, unknown>) => ({ assert: { description, warningOnly: false, ...extra } });
    const own: Resource = { resourceType: 'Patient', identifier: [{ system: 'urn:test:ts', value: 'ts-1' }], name: [{ family: 'Nguyễn', given: ['Văn', 'Bình'] }] };
    const script = {
      resourceType: 'TestScript',
      id: 'runner-self-check',
      name: 'RunnerSelfCheck',
      status: 'draft',
      fixture: [{ id: 'own', autocreate: false, autodelete: false, resource: { reference: 'Patient/ts-1' } }],
      variable: [
        { name: 'family', expression: 'Patient.name.family', sourceId: 'own' },
        { name: 'createdAt', headerField: 'Location', sourceId: 'created' },
      ],
      setup: {
        action: [
          op('delete', { params: '?identifier=urn:test:ts|ts-1' }),
          assert('conditional delete of nothing succeeds', { responseCode: '200,204', operator: 'in' }),
          op('create', { sourceId: 'own', responseId: 'created', requestHeader: [{ field: 'If-None-Exist', value: 'identifier=urn:test:ts|ts-1' }] }),
          assert('conditional create creates', { response: 'created' }),
          op('create', { sourceId: 'own', requestHeader: [{ field: 'If-None-Exist', value: 'identifier=urn:test:ts|ts-1' }] }),
          assert('the second conditional create finds the first', { response: 'okay' }),
        ],
      },
      test: [
        {
          id: 'T1',
          action: [
            op('read', { targetId: 'created' }),
            assert('FHIRPath on the read', { expression: "Patient.identifier.where(system = 'urn:test:ts').value = 'ts-1'" }),
            assert('compare with the fixture', { expression: 'Patient.name.given.first()', compareToSourceId: 'own', compareToSourceExpression: 'Patient.name.given.first()' }),
            assert('ETag of version 1', { headerField: 'ETag', value: 'W/"1"' }),
            op('update', { params: '?identifier=urn:test:ts|ts-1', sourceId: 'own' }),
            assert('conditional update of the match', { response: 'okay' }),
            op('vread', { targetId: 'created' }),
            assert('vread of the created version', { expression: 'Patient.meta.versionId', value: '1' }),
            op('read', { url: '${createdAt}' }),
            assert('Location is readable', { resource: 'Patient' }),
            op('search', { params: '?family=${family}&_total=accurate' }),
            assert('search by a variable from the fixture', { expression: 'Bundle.total', operator: 'equals', value: '1' }),
            assert('a wrong expectation is reported as a failure', { responseCode: '201' }),
          ],
        },
      ],
    } as unknown as TestScript;
    const result = await runTestScript(script, {
      ...options,
      resolveFixture: (reference) => (reference === 'Patient/ts-1' ? own : resolveFixture(reference)),
      knownWrongAsserts: { 'T1 › a wrong expectation is reported as a failure': 'the search answered 200' },
    });
    console.log(renderReport(result.report));
    expect(result.asserts).toHaveLength(declaredAsserts(script));
    expect(result.unexpected.map((a) => `${a.where} › ${a.description}: ${a.message}`)).toEqual([]);
    expect(result.asserts.filter((a) => a.result === 'fail').map((a) => a.description)).toEqual(['a wrong expectation is reported as a failure']);
    expect(result.report.result).toBe('fail');
  });

  test('every known-wrong assert was met and failed for its stated reason', async () => {
    const script = readJson<TestScript>(path.join(scriptsDir, 'TestScript-testscript-example-readtest.json'));
    const result = await runTestScript(script, options);
    for (const key of Object.keys(KNOWN_WRONG)) {
      const outcome = result.asserts.find((a) => `${a.where} › ${a.description}` === key);
      expect(outcome?.result).toBe('fail');
      expect(outcome?.message).toContain('found "notFound"');
    }
  });
});
