/**
 * Fast verifiers of device secrets (docs/security.md, "Device secret verifiers"): written once a secret has passed
 * scrypt, read in bulk when a broker starts, so a restart does not send every device of a province through scrypt at
 * once. A verifier is bound to the scrypt record it was made from: rotating the secret makes it useless even before
 * the column is cleared.
 */
import { inTx, type Ctx } from './context.js';

export interface SecretVerifier { id: string; hash: string; verifier: string }

/** Every device that has a verifier and credentials in force (a revoked device's verifier is never loaded). */
export async function secretVerifiers(c: Ctx): Promise<SecretVerifier[]> {
  const rows = await c.db.selectFrom('devices').select(['id', 'secret_hash', 'secret_verifier'])
    .where('secret_verifier', 'is not', null).where('secret_hash', 'is not', null).where('revoked_at', 'is', null).execute();
  return rows.map((r) => ({ id: r.id, hash: r.secret_hash!, verifier: r.secret_verifier! }));
}

/**
 * Stores the verifiers of secrets that have just passed scrypt, each only while the device still has the scrypt
 * record it was checked against and is not revoked: a rotation or revocation racing the login wins. No new revision:
 * a verifier is not a change of the device that other processes must see.
 */
export async function storeSecretVerifiers(c: Ctx, list: readonly SecretVerifier[]): Promise<void> {
  if (list.length === 0) return;
  await inTx(c, async (t) => {
    for (const v of list) {
      await t.db.updateTable('devices').set({ secret_verifier: v.verifier })
        .where('id', '=', v.id).where('secret_hash', '=', v.hash).where('revoked_at', 'is', null).execute();
    }
  });
}
