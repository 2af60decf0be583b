import type { Parameters, Resource } from '@medplum/fhirtypes';
import { allOk, badRequest, echoed } from '../outcomes';
import type { Interaction } from '../request';

/**
 * $validate on a type (POST [type]/$validate) or an instance (POST [type]/[id]/$validate; GET
 * validates the stored version). Body: the resource, or Parameters with a `resource` part.
 * Always 200 with an OperationOutcome: the outcome, not the status, says whether it is valid.
 */
export const validateOperation: Interaction = async (req, { type, id }, ctx) => {
  ctx.repo.assertType(type);
  let resource: Resource | undefined;
  if (req.method === 'GET' && id) resource = await ctx.repo.read(type, id);
  else {
    const body = req.body as Resource | Parameters | undefined;
    // The body is parsed JSON, not yet a valid Parameters: `parameter` may be no list, a part null.
    const parts: unknown = body?.resourceType === 'Parameters' ? (body as Parameters).parameter : undefined;
    resource = body?.resourceType !== 'Parameters' ? (body as Resource) : Array.isArray(parts) ? parts.find((p) => p?.name === 'resource')?.resource : undefined;
  }
  if (!resource || typeof resource !== 'object' || !resource.resourceType) {
    throw badRequest('$validate cần một tài nguyên', '$validate needs a resource (or Parameters with a resource part)');
  }
  if (resource.resourceType !== type) {
    throw badRequest(`Loại tài nguyên ${echoed(resource.resourceType)} khác với URL (${type})`, `Resource type ${echoed(resource.resourceType)} does not match the URL (${type})`);
  }
  const issues = ctx.repo.validate(resource);
  return { status: 200, resource: issues.length ? { resourceType: 'OperationOutcome', issue: issues } : allOk('Hợp lệ / Valid') };
};
