import type { Patient } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../src/fhir/definitions';
import { isR4Base64Binary } from '../../src/fhir/validate/base64';
import { hasErrors, validate } from '../../src/fhir/validate/validator';

// R4 base64Binary.value pattern: (\s*([0-9a-zA-Z\+/=]){4}\s*)+ with XML Schema \s (space, tab, CR, LF).
describe('base64Binary per R4', () => {
  test.each(['QUJD', 'QUJDRA==', 'QUJD RA==', 'QUJD\r\nRA==\n', '  QUJD\tQUJD  '])('accepts %j', (value) => {
    expect(isR4Base64Binary(value)).toBe(true);
  });

  test.each(['', '   ', 'QUJ', 'QU JD', 'QUJD RA=', 'QUJD\u00a0RA==', 'QU*D', 42])('rejects %j', (value) => {
    expect(isR4Base64Binary(value)).toBe(false);
  });

  test('the validator accepts line-wrapped base64 and still rejects broken base64, in elements and choices', () => {
    const defs = loadR4Definitions();
    const noProfiles = { get: () => undefined };
    const patient = (data: string): Patient => ({
      resourceType: 'Patient',
      photo: [{ contentType: 'image/png', data }],
      extension: [{ url: 'http://example.org/blob', valueBase64Binary: data }],
    });
    expect(validate(patient('QUJD\nRA=='), defs, noProfiles)).toEqual([]);
    const broken = validate(patient('QU JD'), defs, noProfiles);
    expect(hasErrors(broken)).toBe(true);
    expect(broken.map((i) => i.expression?.[0]).sort()).toEqual(['Patient.extension[0].value[x]', 'Patient.photo[0].data']);
  });
});
