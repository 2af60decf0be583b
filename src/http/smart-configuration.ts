/**
 * SMART App Launch 2.x discovery document (`[base]/.well-known/smart-configuration`).
 * https://hl7.org/fhir/smart-app-launch/conformance.html
 */
export function smartConfiguration(fhirBaseUrl: string): Record<string, unknown> {
  const origin = new URL(fhirBaseUrl).origin;
  return {
    issuer: fhirBaseUrl,
    jwks_uri: `${origin}/oauth2/jwks`,
    authorization_endpoint: `${origin}/oauth2/authorize`,
    token_endpoint: `${origin}/oauth2/token`,
    registration_endpoint: `${origin}/oauth2/register`,
    revocation_endpoint: `${origin}/oauth2/revoke`,
    introspection_endpoint: `${origin}/oauth2/introspect`,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [
      'openid',
      'fhirUser',
      'launch/patient',
      'offline_access',
      'online_access',
      'patient/*.rs',
      'patient/*.cruds',
      'patient/*.read',
      'user/*.cruds',
      'user/*.read',
      'system/*.rs',
      'system/*.cruds',
      'system/AuditEvent.rs',
    ],
    capabilities: [
      'launch-standalone',
      'client-public',
      'client-confidential-asymmetric',
      'context-standalone-patient',
      'permission-patient',
      'permission-user',
      'permission-v1',
      'permission-v2',
      'permission-offline',
      'permission-online',
      'sso-openid-connect',
    ],
  };
}
