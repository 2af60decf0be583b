import { badRequest, echoed, notSupported } from '../outcomes';
import { isValidId } from '../references';
import type { Interaction } from '../request';
import { parseSearch } from '../search/parse';
import { answerSearch } from './search';

/**
 * Compartment search: GET Patient/123/Observation?… (or Patient/123/* for every type). Membership
 * comes from idx_compartment, filled at write time from the R4 Patient CompartmentDefinition, so
 * the compartment is one index lookup. Only the Patient compartment is kept.
 */
export const compartmentSearch: Interaction = async (req, { type, id, target }, ctx) => {
  const defs = ctx.repo.ctx.defs;
  if (type !== 'Patient') {
    ctx.repo.assertType(type);
    throw notSupported(`Không hỗ trợ tìm trong ngăn ${echoed(type)}`, `Compartment search is only supported for Patient, not ${echoed(type)}`);
  }
  if (!isValidId(id)) throw badRequest(`Mã định danh không hợp lệ: ${echoed(id)}`, `Invalid id: ${echoed(id)}`);
  if (target !== '*') {
    ctx.repo.assertType(target);
    if (target !== 'Patient' && !defs.patientCompartment.has(target)) {
      throw badRequest(`${echoed(target)} không thuộc ngăn Patient`, `${echoed(target)} is not in the Patient compartment`);
    }
  }
  return answerSearch(`${type}/${id}/${target}`, req, ctx, (query) => parseSearch(target === '*' ? '' : target, query, defs, { compartment: { type, id } }));
};
