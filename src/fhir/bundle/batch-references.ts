import type { BundleEntry } from '@medplum/fhirtypes';
import { badRequest, echoed } from '../outcomes';
import { conditionalReference, visitLinks } from './references';

/**
 * Refuses (400, that entry alone) a batch entry whose references could only be resolved inside a
 * transaction, which would otherwise be stored as they are, dangling for ever:
 * - a `urn:uuid:`/`urn:oid:` reference: another entry's fullUrl (R4 http.html#brules: "there SHALL
 *   be no interdependencies between the different entries", which servers SHOULD check), or no
 *   resource at all. A reference to an entry's absolute fullUrl (`[base]/Patient/123` of a PUT)
 *   is a real address, whichever entry runs first, and is kept;
 * - a conditional reference (`Patient?identifier=…`): R4 allows them "in a transaction (and only
 *   in a transaction)" (http.html#trules, Conditional References).
 * Other links (a uri element reading `urn:uuid:…`) are values of their own and stay.
 */
export function checkBatchReferences(entry: BundleEntry, body: unknown, index: number, fullUrls: ReadonlySet<string>, baseUrl: string): void {
  const at = [`Bundle.entry[${index}].resource`];
  visitLinks(entry, body, baseUrl, (kind, holder, key) => {
    if (kind !== 'reference') return;
    const ref = holder[key] as string;
    const urn = ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:');
    if (urn && fullUrls.has(ref)) {
      throw badRequest(
        `Mục ${index}: tham chiếu ${ref} trỏ tới một mục khác của batch; các mục của batch không được phụ thuộc nhau — hãy dùng transaction`,
        `Entry ${index}: reference ${ref} names another entry of the batch; batch entries may not depend on each other — use a transaction`,
        at,
      );
    }
    if (urn) {
      throw badRequest(`Mục ${index}: tham chiếu ${echoed(ref)} không trỏ tới tài nguyên nào`, `Entry ${index}: reference ${echoed(ref)} names no resource`, at);
    }
    if (conditionalReference(ref, baseUrl)) {
      throw badRequest(
        `Mục ${index}: tham chiếu có điều kiện ${ref} chỉ được dùng trong transaction`,
        `Entry ${index}: a conditional reference (${ref}) is allowed in a transaction only`,
        at,
      );
    }
  });
}
