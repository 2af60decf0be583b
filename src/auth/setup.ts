import type { Database } from '../db/database';
import type { FhirEngine } from '../fhir/engine';
import { loadSigningKeys, type SigningKeys } from './keys';
import { AuthService } from './service';
import { TokenService } from './tokens';

/** Builds the authentication service for a FHIR engine, and creates the accounts the environment asks for. */
export async function createAuthService(
  db: Database,
  engine: FhirEngine,
  options: { stationId: string; baseUrl: string; env: NodeJS.ProcessEnv; dataDir: string; keys?: SigningKeys; refreshFamilyDays?: number },
): Promise<AuthService> {
  const keys = options.keys ?? (await loadSigningKeys(options.env, options.dataDir));
  const auth = new AuthService({
    db,
    stationId: options.stationId,
    fhirBaseUrl: options.baseUrl,
    tokenEndpoint: `${new URL(options.baseUrl).origin}/oauth2/token`,
    tokens: new TokenService(keys, options.baseUrl),
    compartmentTypes: new Set(engine.defs.patientCompartment.keys()),
    records: engine.repo,
    refreshFamilyDays: options.refreshFamilyDays,
  });
  // A Consent taken out of force through the FHIR API revokes the resident's app grants in its write.
  engine.consentFollowers.push(auth);
  await auth.bootstrap(options.env, engine.repo);
  return auth;
}
