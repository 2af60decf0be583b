import { evalFhirPath } from '@medplum/core';
import type {
  Resource,
  TestReport,
  TestReportSetupAction,
  TestReportSetupActionAssert,
  TestReportSetupActionOperation,
  TestScript,
  TestScriptSetupActionAssert,
  TestScriptSetupActionOperation,
  TestScriptTestAction,
} from '@medplum/fhirtypes';

/**
 * A small TestScript engine (R4) for the subset the specification's own TestScripts use: fixtures,
 * variables (defaultValue, FHIRPath `expression`, simple XPath `path`, `headerField`), operations
 * read, vread, create, update, delete, search, history, patch (plain and conditional via `params`),
 * and asserts on response/responseCode, contentType, headerField, resource, expression, path,
 * compareToSource*, minimumId, navigationLinks, requestMethod, requestURL, validateProfileId with
 * every `operator`. What it cannot do (several destinations, autocreate, JSONPath) is an error,
 * never a silent pass. The result is a TestReport.
 */

export interface RunnerOptions {
  /** FHIR base URL of the one destination. */
  baseUrl: string;
  /** Headers sent with every request (e.g. the tester's Authorization), beneath the script's own. */
  requestHeaders?: Record<string, string>;
  /** The resource a fixture reference (`Patient/example`) names. */
  resolveFixture(reference: string): Resource;
  /** Values the tester supplies for variables (those with only a `hint` need one). */
  variables?: Record<string, string>;
  /**
   * Format substitutions, e.g. `{ xml: 'json' }` for a JSON-only server: requests and contentType
   * asserts written for XML run in JSON. The scripts' subject is the interaction, not the syntax.
   */
  formats?: Record<string, string>;
  /** Errors of `resource` against the profile URL (validateProfileId); empty when it conforms. */
  validateProfile(resource: Resource, profileUrl: string): string[];
  /**
   * Asserts whose expectation is wrong in the script, keyed `<test id or setup> › <description>`,
   * with the reason. They still run and are reported; `unexpected` lists them only if they pass.
   */
  knownWrongAsserts?: Record<string, string>;
}

export interface AssertOutcome {
  where: string;
  description: string;
  result: 'pass' | 'fail' | 'warning' | 'skip';
  message: string;
  /** Why the failure is expected (from knownWrongAsserts). */
  knownWrong?: string;
}

export interface RunResult {
  report: TestReport;
  asserts: AssertOutcome[];
  /** Failures not declared known-wrong, and known-wrong asserts that passed. */
  unexpected: AssertOutcome[];
}

interface Exchange {
  request: { method: string; url: string; headers: Record<string, string>; body?: Resource };
  response: { status: number; headers: Record<string, string>; body?: Resource };
}

const MIME: Record<string, string> = { json: 'application/fhir+json', xml: 'application/fhir+xml', ttl: 'text/turtle' };

const METHOD: Record<string, string> = {
  read: 'GET', vread: 'GET', search: 'GET', history: 'GET', capabilities: 'GET',
  create: 'POST', transaction: 'POST', batch: 'POST',
  update: 'PUT', updateCreate: 'PUT',
  delete: 'DELETE', deleteCondSingle: 'DELETE', deleteCondMultiple: 'DELETE',
  patch: 'PATCH',
};

const RESPONSE_CODES: Record<number, string> = {
  200: 'okay', 201: 'created', 204: 'noContent', 304: 'notModified', 400: 'bad', 403: 'forbidden', 404: 'notFound',
  405: 'methodNotAllowed', 409: 'conflict', 410: 'gone', 412: 'preconditionFailed', 422: 'unprocessable',
};

class ScriptError extends Error {}

/** Runs one TestScript: setup, every test, teardown (always). */
export async function runTestScript(script: TestScript, options: RunnerOptions): Promise<RunResult> {
  const run = new Run(script, options);
  return run.execute();
}

class Run {
  private readonly fixtures = new Map<string, Resource>();
  private readonly responses = new Map<string, Exchange>();
  private readonly requests = new Map<string, Exchange>();
  private last?: Exchange;
  private readonly outcomes: AssertOutcome[] = [];

  constructor(
    private readonly script: TestScript,
    private readonly options: RunnerOptions,
  ) {
    if ((script.destination?.length ?? 0) > 1) throw new ScriptError(`${script.id}: needs ${script.destination!.length} destination servers; this runner drives one`);
    for (const f of script.fixture ?? []) {
      if (f.autocreate || f.autodelete) throw new ScriptError(`${script.id}: fixture ${f.id} uses autocreate/autodelete, not supported`);
      if (!f.id || !f.resource?.reference) throw new ScriptError(`${script.id}: fixture without id or resource reference`);
      this.fixtures.set(f.id, options.resolveFixture(f.resource.reference));
    }
  }

  async execute(): Promise<RunResult> {
    const setup = await this.actions('setup', this.script.setup?.action ?? [], false);
    const setupFailed = setup.some((a) => a.assert?.result === 'fail' || a.operation?.result === 'error');
    const tests = [];
    for (const test of this.script.test ?? []) {
      const where = test.id ?? test.name ?? 'test';
      tests.push({ name: test.name ?? where, description: test.description, action: await this.actions(where, test.action ?? [], setupFailed) });
    }
    const teardown = await this.actions('teardown', this.script.teardown?.action ?? [], false);
    const counted = this.outcomes.filter((o) => o.result !== 'skip');
    const passed = counted.filter((o) => o.result !== 'fail').length;
    const report: TestReport = {
      resourceType: 'TestReport',
      status: 'completed',
      name: `TestReport for ${this.script.name ?? this.script.id}`,
      testScript: { reference: `TestScript/${this.script.id}`, display: this.script.name },
      result: this.outcomes.some((o) => o.result === 'fail' || o.result === 'skip') ? 'fail' : 'pass',
      score: counted.length ? Math.round((passed / counted.length) * 1000) / 10 : 0,
      tester: 'commune-ehr TestScript runner (test/conformance/testscript-runner.ts)',
      issued: new Date().toISOString(),
      participant: [
        { type: 'test-engine', uri: 'urn:commune-ehr:testscript-runner', display: 'commune-ehr TestScript runner' },
        { type: 'server', uri: this.options.baseUrl },
      ],
      setup: { action: setup.length ? setup : [{ operation: { result: 'skip', message: 'no setup' } }] },
      test: tests,
      teardown: { action: teardown.filter((a) => a.operation).map((a) => ({ operation: a.operation! })) },
    };
    const unexpected = this.outcomes.filter((o) => (o.knownWrong ? o.result === 'pass' : o.result === 'fail' || o.result === 'skip'));
    return { report, asserts: this.outcomes, unexpected };
  }

  private async actions(where: string, actions: TestScriptTestAction[], skip: boolean): Promise<TestReportSetupAction[]> {
    const done: TestReportSetupAction[] = [];
    for (const action of actions) {
      if (action.operation) done.push({ operation: skip ? { result: 'skip', message: 'setup failed' } : await this.operate(action.operation) });
      if (action.assert) done.push({ assert: this.check(where, action.assert, skip) });
    }
    return done;
  }

  // ------------------------------------------------------------------ operations

  private async operate(op: TestScriptSetupActionOperation): Promise<TestReportSetupActionOperation> {
    try {
      const request = this.buildRequest(op);
      const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body ? JSON.stringify(request.body) : undefined });
      const text = await res.text();
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => (headers[key] = value));
      let body: Resource | undefined;
      if (text && /json/.test(headers['content-type'] ?? '')) body = JSON.parse(text);
      const exchange: Exchange = { request, response: { status: res.status, headers, body } };
      this.last = exchange;
      if (op.responseId) this.responses.set(op.responseId, exchange);
      if (op.requestId) this.requests.set(op.requestId, exchange);
      const problem = res.status >= 400 && body?.resourceType === 'OperationOutcome' ? ` (${body.issue?.map((i) => i.diagnostics ?? i.code).join('; ')})` : '';
      return { result: 'pass', message: `${request.method} ${request.url} → HTTP ${res.status}${problem}` };
    } catch (err) {
      return { result: 'error', message: `${op.type?.code ?? op.method}: ${(err as Error).message}` };
    }
  }

  private buildRequest(op: TestScriptSetupActionOperation): Exchange['request'] {
    const code = op.type?.code ?? '';
    const method = op.method?.toUpperCase() ?? METHOD[code];
    if (!method) throw new ScriptError(`operation ${code} is not supported`);
    if ((op.destination ?? 1) !== 1) throw new ScriptError(`destination ${op.destination} is unknown`);
    let url = this.operationUrl(op, code);
    if (op.encodeRequestUrl !== false) url = encodeURI(url);
    const headers: Record<string, string> = { ...this.options.requestHeaders, accept: this.mime(op.accept ?? 'json') };
    for (const h of op.requestHeader ?? []) headers[h.field.toLowerCase()] = this.substitute(h.value);
    let body: Resource | undefined;
    if (op.sourceId) {
      body = structuredClone(this.resourceOf(op.sourceId));
      if (!body) throw new ScriptError(`sourceId ${op.sourceId} names no fixture or response`);
      // An update sends the fixture to the id in the URL: fixtures are templates (Touchstone and
      // Crucible do the same), e.g. Patient/pat1's content becomes version 2 of Patient/example.
      const urlId = /\/[A-Z][A-Za-z]+\/([A-Za-z0-9\-.]{1,64})(?:\?|$)/.exec(url)?.[1];
      if (method === 'PUT' && urlId) body.id = urlId;
      headers['content-type'] = op.type?.code === 'patch' ? 'application/json-patch+json' : this.mime(op.contentType ?? 'json');
    }
    return { method, url, headers, body };
  }

  private operationUrl(op: TestScriptSetupActionOperation, code: string): string {
    if (op.url) {
      const url = this.substitute(op.url);
      return /^https?:/.test(url) ? url : `${this.options.baseUrl}/${url.replace(/^\//, '')}`;
    }
    const type = op.resource ?? (op.targetId ? this.resourceOf(op.targetId)?.resourceType : undefined);
    if (!type) throw new ScriptError('operation needs url, resource or targetId');
    if (op.params) return `${this.options.baseUrl}/${type}${this.substitute(op.params)}`;
    if (op.targetId) {
      const target = this.target(op.targetId);
      const suffix = code === 'history' ? '/_history' : code === 'vread' ? `/_history/${target.version}` : '';
      return `${this.options.baseUrl}/${type}/${target.id}${suffix}`;
    }
    return `${this.options.baseUrl}/${type}${code === 'history' ? '/_history' : ''}`;
  }

  /** Id (and version) of a fixture, or of what a response created (its Location, else its body). */
  private target(id: string): { id: string; version?: string } {
    const exchange = this.responses.get(id);
    const location = exchange?.response.headers.location;
    const m = location ? /\/([A-Za-z0-9\-.]{1,64})\/_history\/([A-Za-z0-9\-.]{1,64})$/.exec(location) : null;
    if (m) return { id: m[1], version: m[2] };
    const resource = this.resourceOf(id);
    if (!resource?.id) throw new ScriptError(`targetId ${id} names nothing with an id`);
    return { id: resource.id, version: resource.meta?.versionId };
  }

  private mime(format: string): string {
    const code = this.options.formats?.[format] ?? format;
    return MIME[code] ?? code;
  }

  // ------------------------------------------------------------------ variables and sources

  /** Replaces every ${name} with the variable's value. */
  private substitute(text: string): string {
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => this.variable(name));
  }

  private variable(name: string): string {
    const def = this.script.variable?.find((v) => v.name === name);
    if (!def) throw new ScriptError(`variable ${name} is not declared`);
    const supplied = this.options.variables?.[name];
    if (supplied !== undefined) return supplied;
    let value: string | undefined;
    if (def.headerField) {
      const exchange = def.sourceId ? this.responses.get(def.sourceId) : this.last;
      value = exchange?.response.headers[def.headerField.toLowerCase()];
    } else if (def.expression || def.path) {
      const source = def.sourceId ? this.resourceOf(def.sourceId) : this.last?.response.body;
      value = source ? (def.expression ? this.evaluate(def.expression, source)[0] : this.evaluatePath(def.path!, source)) : undefined;
    }
    value ??= def.defaultValue;
    if (value === undefined) throw new ScriptError(`variable ${name} has no value${def.hint ? ` (the tester must supply: ${def.hint})` : ''}`);
    return value;
  }

  /** A fixture, or the body of a stored response (responseId). */
  private resourceOf(id: string): Resource | undefined {
    return this.responses.get(id)?.response.body ?? this.fixtures.get(id);
  }

  private evaluate(expression: string, resource: Resource): string[] {
    return evalFhirPath(expression, resource).map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
  }

  /**
   * XPath as the R4 scripts write it (`fhir:Patient/fhir:name/fhir:family/@value`, `Patient/id`):
   * a plain child path, translated to FHIRPath; its value is the first node's, as in XPath.
   */
  private evaluatePath(path: string, resource: Resource): string | undefined {
    const steps = path.split('/').filter((s) => s !== '' && s !== '@value').map((s) => s.replace(/^fhir:/, ''));
    if (!steps.length || steps.some((s) => !/^[A-Za-z][A-Za-z0-9]*$/.test(s))) throw new ScriptError(`path ${path} is not a plain XPath child path`);
    return this.evaluate(steps.join('.'), resource)[0];
  }

  // ------------------------------------------------------------------ asserts

  private check(where: string, a: TestScriptSetupActionAssert, skip: boolean): TestReportSetupActionAssert {
    const description = a.description ?? a.label ?? '(no description)';
    const knownWrong = this.options.knownWrongAsserts?.[`${where} › ${description}`];
    let result: AssertOutcome['result'];
    let message: string;
    if (skip) {
      result = 'skip';
      message = 'setup failed';
    } else {
      try {
        const [ok, detail] = this.evaluateAssert(a);
        result = ok ? 'pass' : a.warningOnly ? 'warning' : 'fail';
        message = detail;
      } catch (err) {
        result = a.warningOnly ? 'warning' : 'fail';
        message = `error: ${(err as Error).message}`;
      }
    }
    if (knownWrong && result === 'fail') message += ` (expected: ${knownWrong})`;
    this.outcomes.push({ where, description, result, message, knownWrong });
    return { result, message, detail: description };
  }

  private source(a: TestScriptSetupActionAssert): Exchange | undefined {
    const id = a.sourceId;
    if (a.direction === 'request') return id ? this.requests.get(id) : this.last;
    return id ? this.responses.get(id) : this.last;
  }

  /** The resource an assert looks at: a named response or fixture, or the last response's body. */
  private assertResource(a: TestScriptSetupActionAssert): Resource {
    const resource = a.direction === 'request' ? this.source(a)?.request.body : a.sourceId ? this.resourceOf(a.sourceId) : this.last?.response.body;
    if (!resource) throw new ScriptError(`no resource ${a.sourceId ? `for sourceId ${a.sourceId}` : 'in the last response'}`);
    return resource;
  }

  private evaluateAssert(a: TestScriptSetupActionAssert): [boolean, string] {
    const exchange = this.source(a);
    const expected = (fallback?: string): string | undefined => (a.value !== undefined ? this.substitute(a.value) : fallback);
    if (a.response || a.responseCode) {
      if (!exchange) throw new ScriptError('no response yet');
      const status = exchange.response.status;
      return a.response ? compare('Response', RESPONSE_CODES[status] ?? String(status), a.operator, a.response) : compare('Response code', String(status), a.operator, a.responseCode);
    }
    if (a.contentType) {
      const received = (exchange?.response.headers['content-type'] ?? '').split(';')[0].trim();
      return compare('Content-Type', received, a.operator, this.mime(a.contentType));
    }
    if (a.headerField) {
      const headers = a.direction === 'request' ? exchange?.request.headers : exchange?.response.headers;
      return compare(`Header ${a.headerField}`, headers?.[a.headerField.toLowerCase()], a.operator, expected());
    }
    if (a.resource) return compare('Resource type', this.assertResource(a).resourceType, a.operator, a.resource);
    if (a.expression || a.path || a.compareToSourceId) return this.valueAssert(a, expected);
    if (a.minimumId) return minimum(this.assertResource(a), this.fixtureOrResponse(a.minimumId), a.minimumId);
    if (a.navigationLinks !== undefined) return navigationLinks(this.assertResource(a), this.options.baseUrl, a.navigationLinks);
    if (a.requestMethod) return compare('Request method', exchange?.request.method.toLowerCase(), a.operator, a.requestMethod);
    if (a.requestURL) return compare('Request URL', exchange?.request.url, a.operator, this.substitute(a.requestURL));
    if (a.validateProfileId) return this.profileAssert(a);
    throw new ScriptError('assert of a kind this runner does not know');
  }

  /** expression / path, compared with `value`, with the same on compareToSourceId, or (alone) true. */
  private valueAssert(a: TestScriptSetupActionAssert, expected: (fallback?: string) => string | undefined): [boolean, string] {
    const resource = this.assertResource(a);
    let compareTo: string | undefined;
    if (a.compareToSourceId) {
      const other = this.fixtureOrResponse(a.compareToSourceId);
      compareTo = a.compareToSourceExpression ? this.evaluate(a.compareToSourceExpression, other)[0] : this.evaluatePath(a.compareToSourcePath!, other);
    }
    // With only compareToSource*, the same expression is applied to the assert's own source.
    const received = a.expression
      ? this.evaluate(a.expression, resource)
      : a.path
        ? [this.evaluatePath(a.path, resource)].filter((v): v is string => v !== undefined)
        : a.compareToSourceExpression
          ? this.evaluate(a.compareToSourceExpression, resource)
          : [this.evaluatePath(a.compareToSourcePath!, resource)].filter((v): v is string => v !== undefined);
    const want = expected(compareTo);
    if (want === undefined && !a.operator) return [received.length === 1 && received[0] === 'true', `Expression ${a.expression} is ${JSON.stringify(received)}`];
    return compare(a.expression ?? a.path ?? a.compareToSourceExpression ?? a.compareToSourcePath!, received[0], a.operator, want);
  }

  private profileAssert(a: TestScriptSetupActionAssert): [boolean, string] {
    const profile = this.script.profile?.find((p) => p.id === a.validateProfileId);
    if (!profile?.reference) throw new ScriptError(`profile ${a.validateProfileId} is not declared`);
    const resource = this.assertResource(a);
    const errors = this.options.validateProfile(resource, profile.reference);
    return [errors.length === 0, errors.length ? `${resource.resourceType} does not conform to ${profile.reference}: ${errors.join('; ')}` : `${resource.resourceType} conforms to ${profile.reference}`];
  }

  private fixtureOrResponse(id: string): Resource {
    const resource = this.resourceOf(id);
    if (!resource) throw new ScriptError(`${id} names no fixture or response`);
    return resource;
  }
}

/** The TestScript operators on string values (numbers compared as numbers). */
function compare(what: string, received: string | undefined, operator = 'equals', expected?: string): [boolean, string] {
  const list = (expected ?? '').split(',').map((s) => s.trim());
  const ok = ((): boolean => {
    switch (operator) {
      case 'equals': return received === expected;
      case 'notEquals': return received !== expected;
      case 'in': return received !== undefined && list.includes(received);
      case 'notIn': return received === undefined || !list.includes(received);
      case 'greaterThan': return Number(received) > Number(expected);
      case 'lessThan': return Number(received) < Number(expected);
      case 'empty': return received === undefined || received === '';
      case 'notEmpty': return received !== undefined && received !== '';
      case 'contains': return received !== undefined && expected !== undefined && received.includes(expected);
      case 'notContains': return received === undefined || expected === undefined || !received.includes(expected);
      default: throw new ScriptError(`operator ${operator} is not supported`);
    }
  })();
  const want = operator === 'empty' || operator === 'notEmpty' ? operator : `${operator} ${JSON.stringify(expected)}`;
  return [ok, `${what}: expected ${want}, found ${JSON.stringify(received)}`];
}

/** minimumId: every element and value of the minimum fixture is in the resource (array items in any order). */
function minimum(actual: Resource, min: Resource, id: string): [boolean, string] {
  const missing: string[] = [];
  const contains = (want: unknown, got: unknown, at: string, report: boolean): boolean => {
    if (Array.isArray(want)) {
      if (!Array.isArray(got)) return fail(at, report);
      const pool = [...got];
      return want.every((item, i) => {
        const k = pool.findIndex((g) => contains(item, g, `${at}[${i}]`, false));
        if (k < 0) return fail(`${at}[${i}]`, report);
        pool.splice(k, 1);
        return true;
      });
    }
    if (want && typeof want === 'object') {
      if (!got || typeof got !== 'object') return fail(at, report);
      return Object.entries(want).map(([k, v]) => contains(v, (got as Record<string, unknown>)[k], at ? `${at}.${k}` : k, report)).every(Boolean);
    }
    return want === got || fail(at, report);
  };
  const fail = (at: string, report: boolean): boolean => {
    if (report) missing.push(at);
    return false;
  };
  const ok = contains(min, actual, '', true);
  return [ok, ok ? `minimum content of ${id} present` : `minimum content of ${id} missing at ${missing.join(', ')}`];
}

/**
 * navigationLinks: the Bundle's paging links are usable. R4 makes first/last/next optional
 * (search.html#paging), so this checks: a `self` link; every relation one of self, first,
 * previous/prev, next, last with an absolute URL under the base; `next` present exactly when the
 * total says more matches exist than this page holds. (Crucible demands first, last and next on
 * every Bundle, which a one-page result cannot honestly have.)
 */
function navigationLinks(bundle: Resource, baseUrl: string, wanted: boolean): [boolean, string] {
  if (bundle.resourceType !== 'Bundle') return [false, `navigationLinks: ${bundle.resourceType} is not a Bundle`];
  const links = bundle.link ?? [];
  const problems: string[] = [];
  if (!links.some((l) => l.relation === 'self')) problems.push('no self link');
  for (const l of links) {
    if (!['self', 'first', 'previous', 'prev', 'next', 'last'].includes(l.relation)) problems.push(`unknown relation ${l.relation}`);
    if (!l.url.startsWith(`${baseUrl}/`)) problems.push(`${l.relation} is not an absolute URL under the base: ${l.url}`);
  }
  const entries = (bundle.entry ?? []).filter((e) => e.search?.mode !== 'outcome').length;
  const hasNext = links.some((l) => l.relation === 'next');
  if (bundle.total !== undefined && bundle.total > entries !== hasNext) problems.push(`total ${bundle.total}, ${entries} entries, next link ${hasNext ? 'present' : 'absent'}`);
  const ok = problems.length === 0;
  return [ok === wanted, ok ? `navigation links fine: ${links.map((l) => l.relation).join(', ')}` : `navigation links: ${problems.join('; ')}`];
}

/** A TestReport as readable lines: one per action. */
export function renderReport(report: TestReport): string {
  const line = (a: TestReportSetupAction): string =>
    a.operation ? `    operation ${a.operation.result.padEnd(7)} ${a.operation.message ?? ''}` : `    assert    ${a.assert!.result.padEnd(7)} ${a.assert!.detail ?? ''} — ${a.assert!.message ?? ''}`;
  return [
    `TestReport ${report.testScript.reference}: result ${report.result}, score ${report.score}, issued ${report.issued}`,
    '  setup',
    ...(report.setup?.action ?? []).map(line),
    ...(report.test ?? []).flatMap((t) => [`  test ${t.name ?? ''}`, ...t.action.map(line)]),
    '  teardown',
    ...(report.teardown?.action ?? []).map((a) => line({ operation: a.operation })),
  ].join('\n');
}
