import { grantingRules, narrowScopes, parseScopes } from '../../src/auth/scopes';

// SMART scopes v1 and v2: https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
describe('SMART scopes', () => {
  const grants = (scope: string, type: string, action: 'c' | 'r' | 'u' | 'd' | 's'): boolean => grantingRules(parseScopes(scope), type, action).length > 0;

  test('v1 read/write/* map onto v2 letters', () => {
    expect(grants('patient/*.read', 'Observation', 'r')).toBe(true);
    expect(grants('patient/*.read', 'Observation', 's')).toBe(true);
    expect(grants('patient/*.read', 'Observation', 'c')).toBe(false);
    expect(grants('user/Patient.write', 'Patient', 'u')).toBe(true);
    expect(grants('user/Patient.write', 'Patient', 'r')).toBe(false);
    expect(grants('system/*.*', 'Encounter', 'd')).toBe(true);
  });

  test('v2: r without s does not allow search; letters combine', () => {
    expect(grants('patient/Observation.r', 'Observation', 'r')).toBe(true);
    expect(grants('patient/Observation.r', 'Observation', 's')).toBe(false);
    expect(grants('patient/Observation.cruds', 'Observation', 'd')).toBe(true);
    expect(grants('patient/Observation.cruds', 'Condition', 'r')).toBe(false);
  });

  test('v2 constraints are kept as search parameters', () => {
    const [rule] = parseScopes('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs');
    expect(rule.query).toEqual([['category', 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs']]);
  });

  test('wildcards never reach the audit trail for clients; staff roles decide for users', () => {
    expect(grants('system/*.cruds', 'AuditEvent', 'r')).toBe(false);
    expect(grants('system/AuditEvent.rs', 'AuditEvent', 's')).toBe(true);
    expect(grants('patient/*.rs', 'AuditEvent', 's')).toBe(false);
    expect(grants('user/*.cruds', 'AuditEvent', 's')).toBe(true);
  });

  test('a client gets only scopes it is registered for', () => {
    expect(narrowScopes('patient/*.cruds openid launch/patient', 'patient/*.rs openid launch/patient')).toBe('patient/*.rs openid launch/patient');
    expect(narrowScopes('patient/Observation.rs openid', 'patient/*.rs openid')).toBe('patient/Observation.rs openid');
    expect(narrowScopes('system/*.cruds', 'patient/*.cruds')).toBe('');
    expect(narrowScopes('system/*.rs', 'system/*.cruds system/AuditEvent.rs')).toBe('system/*.rs');
    // A wildcard never reaches the audit trail for clients, so it does not narrow to it either.
    expect(narrowScopes('system/*.rs', 'system/AuditEvent.rs')).toBe('');
    expect(narrowScopes('patient/*.rs', 'patient/AuditEvent.rs')).toBe('');
  });

  test('a registered constraint is kept: an unconstrained request is narrowed to it', () => {
    const vitals = 'category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';
    const registered = `patient/Patient.rs patient/Observation.cruds?${vitals}`;
    expect(narrowScopes('patient/Observation.cruds', registered)).toBe(`patient/Observation.cruds?${vitals}`);
    expect(narrowScopes('patient/*.rs', registered)).toBe(`patient/Patient.rs patient/Observation.rs?${vitals}`);
    expect(narrowScopes(`patient/Observation.r?${vitals}`, registered)).toBe(`patient/Observation.r?${vitals}`);
    expect(narrowScopes('patient/Observation.rs?code=1234-5', registered)).toBe(`patient/Observation.rs?code=1234-5&${vitals}`);
  });
});
