import { restrictedTo } from '../../src/station/rules/sex-specific';

// WHO ICD-10's sex-restricted categories, at their edges: categories, subcategories, neighbours.
test.each([
  ['O00', 'female'], ['O80', 'female'], ['O99.8', 'female'], ['N70', 'female'], ['N98.1', 'female'], ['C53.9', 'female'], ['D07.3', 'female'], ['Z12.4', 'female'], ['Z34', 'female'], ['Z37.0', 'female'], ['Z39.2', 'female'],
  ['N40', 'male'], ['N51.8', 'male'], ['C61', 'male'], ['D07.5', 'male'], ['Z12.5', 'male'], ['Q53.1', 'male'], ['R86', 'male'],
  ['N39.0', undefined], ['N99', undefined], ['N52', undefined], ['C50', undefined], ['C59', undefined], ['D07', undefined], ['D07.7', undefined], ['Z12.3', undefined], ['Z30', undefined], ['Z38', undefined], ['P00', undefined], ['J00', undefined],
] as const)('%s is restricted to %s', (code, sex) => {
  expect(restrictedTo(code)).toBe(sex);
});
