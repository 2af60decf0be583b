import type { Patient } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { fold, startsWord } from './oracle';
import { matchIds, seed } from './helpers';

// R4 search.html#string: default = starts with (we also match the start of any word), ignoring case
// and accents (đ/Đ included); :exact = whole value, case and accents included; :contains = anywhere.
const PEOPLE: Patient[] = [
  { resourceType: 'Patient', name: [{ family: 'Nguyễn', given: ['Thị', 'Thư'] }], address: [{ line: ['12 Lê Lợi'], city: 'Huế' }] },
  { resourceType: 'Patient', name: [{ family: 'Đặng', given: ['Đức'] }], address: [{ line: ['3 Trần Phú'], city: 'Đà Nẵng' }] },
  { resourceType: 'Patient', name: [{ family: 'Nguyễn', given: ['Văn', 'An'] }] },
  { resourceType: 'Patient', name: [{ family: 'Trần', given: ['Thu', 'Hà'] }] },
  { resourceType: 'Patient', name: [{ text: 'Lê Thị Thủy' }] },
  { resourceType: 'Patient', name: [{ family: 'Ngô', given: ['Bảo', 'Châu'] }] },
  { resourceType: 'Patient', name: [{ family: 'Dang', given: ['Duc'] }] },
  { resourceType: 'Patient', name: [{ family: 'Phạm', given: ['Thư_%'] }] },
  { resourceType: 'Patient', gender: 'male' },
  // Letters folding leaves alone, beyond ASCII and beyond the 16-bit plane (prefixes are byte ranges).
  { resourceType: 'Patient', name: [{ family: 'Søren', given: ['阮𠀀'] }] },
  { resourceType: 'Patient', name: [{ family: 'Sp', given: ['阮𠀁'] }] },
  // Ê Đê and Jarai names (Central Highlands): words joined by an apostrophe or a hyphen.
  { resourceType: 'Patient', name: [{ text: "H'Hen Niê" }] },
  { resourceType: 'Patient', name: [{ family: 'Ênuôl', given: ['Y-Moan'] }] },
  { resourceType: 'Patient', name: [{ text: 'H’Linh Kbuôr' }] },
];

/** Every text a person's `name` parameter covers: the parts, the whole name in both orders, and text. */
function nameTexts(p: Patient): string[] {
  return (p.name ?? []).flatMap((n) => {
    const given = n.given ?? [];
    const whole = [n.family, ...given].filter(Boolean).join(' ');
    const western = [...given, n.family].filter(Boolean).join(' ');
    return [n.text, n.family, ...given, whole, western].filter((t): t is string => !!t);
  });
}

describe('string search on Vietnamese names', () => {
  let server: TestServer;
  let stored: Patient[];
  const expected = (predicate: (p: Patient) => boolean): string[] => stored.filter(predicate).map((p) => p.id!).sort();

  beforeAll(async () => {
    server = await startTestServer();
    stored = (await seed(server, PEOPLE)) as Patient[];
  });
  afterAll(() => server.close());

  test.each(['nguyen', 'thu', 'Thư', 'NGUYEN THI', 'dang duc', 'Đặng Đức', 'ĐẶNG', 'thuy', 'le thi', 'thi thu', 'chau', 'ngô', 'nguyên', 'hen', "h'hen", 'nie', 'moan', 'Moan Ênuôl', 'enuol y-moan', 'linh', 'kbuor'])(
    'name=%s matches the start of any word, ignoring case and accents',
    async (query) => {
      const ids = await matchIds(server, `Patient?name=${encodeURIComponent(query)}`);
      expect(ids).toEqual(expected((p) => nameTexts(p).some((t) => startsWord(t, query))));
      expect(ids.length).toBeGreaterThan(0);
    },
  );

  test('the issue examples: "Nguyễn Thị Thư" by nguyen, thu, Thư, NGUYEN THI; "Đặng Đức" by dang duc', async () => {
    const thu = stored[0].id;
    const duc = stored[1].id;
    for (const q of ['nguyen', 'thu', 'Thư', 'NGUYEN THI']) expect(await matchIds(server, `Patient?name=${encodeURIComponent(q)}`)).toContain(thu);
    expect(await matchIds(server, 'Patient?name=dang%20duc')).toEqual([duc, stored[6].id].sort());
  });

  test('a word is matched at its start only', async () => {
    expect(await matchIds(server, 'Patient?name=guyen')).toEqual([]);
    expect(await matchIds(server, 'Patient?name=hu')).toEqual(expected((p) => nameTexts(p).some((t) => startsWord(t, 'hu'))));
  });

  test('family and given are searched separately', async () => {
    expect(await matchIds(server, 'Patient?family=nguyen')).toEqual(expected((p) => fold(p.name?.[0].family ?? '').startsWith('nguyen')));
    expect(await matchIds(server, 'Patient?given=thu')).toEqual(expected((p) => (p.name?.[0].given ?? []).some((g) => fold(g).startsWith('thu'))));
  });

  test(':exact compares the whole value with case and accents', async () => {
    expect(await matchIds(server, `Patient?family:exact=${encodeURIComponent('Nguyễn')}`)).toEqual(expected((p) => p.name?.[0].family === 'Nguyễn'));
    expect(await matchIds(server, 'Patient?family:exact=Nguyen')).toEqual([]);
    expect(await matchIds(server, 'Patient?family:exact=nguyễn')).toEqual([]);
    expect(await matchIds(server, `Patient?name:exact=${encodeURIComponent('Nguyễn Thị Thư')}`)).toEqual([stored[0].id]);
    expect(await matchIds(server, `Patient?name:exact=${encodeURIComponent('Thị Thư')}`)).toEqual([]);
  });

  test(':contains matches inside words', async () => {
    const ids = await matchIds(server, 'Patient?name:contains=uye');
    expect(ids).toEqual(expected((p) => nameTexts(p).some((t) => fold(t).includes('uye'))));
    expect(ids.length).toBe(2);
  });

  test('LIKE wildcards in the value are literal', async () => {
    expect(await matchIds(server, `Patient?given=${encodeURIComponent('thu_')}`)).toEqual([stored[7].id]);
    expect(await matchIds(server, `Patient?given:contains=${encodeURIComponent('%')}`)).toEqual([stored[7].id]);
    expect(await matchIds(server, `Patient?given=${encodeURIComponent('t%')}`)).toEqual([]);
  });

  test('a prefix ends where its last letter does, in byte order past ASCII', async () => {
    const [soren, sp] = [stored[9].id, stored[10].id];
    expect(await matchIds(server, `Patient?family=${encodeURIComponent('sø')}`)).toEqual([soren]);
    expect(await matchIds(server, 'Patient?family=s')).toEqual([soren, sp].sort());
    expect(await matchIds(server, `Patient?given=${encodeURIComponent('阮')}`)).toEqual([soren, sp].sort());
    expect(await matchIds(server, `Patient?given=${encodeURIComponent('阮𠀀')}`)).toEqual([soren]);
  });

  test('comma means OR; repeating the parameter means AND', async () => {
    expect(await matchIds(server, 'Patient?family=tran,ngo')).toEqual(expected((p) => ['tran', 'ngo'].includes(fold(p.name?.[0].family ?? ''))));
    expect(await matchIds(server, 'Patient?name=nguyen&name=an')).toEqual([stored[2].id]);
  });

  test('address parts, with đ folded', async () => {
    expect(await matchIds(server, 'Patient?address=da%20nang')).toEqual([stored[1].id]);
    expect(await matchIds(server, 'Patient?address=le%20loi')).toEqual([stored[0].id]);
    expect(await matchIds(server, 'Patient?address-city=hue')).toEqual([stored[0].id]);
  });

  test(':missing', async () => {
    expect(await matchIds(server, 'Patient?name:missing=true')).toEqual(expected((p) => !p.name));
    expect(await matchIds(server, 'Patient?name:missing=false')).toEqual(expected((p) => !!p.name));
  });

  test('_sort=family orders by the folded family name, then given names', async () => {
    const bundle = (await fhirFetch(`${server.baseUrl}/Patient?_sort=family,given&family:missing=false`)).body;
    const families = bundle.entry.map((e: { resource: Patient }) => `${fold(e.resource.name![0].family!)} ${fold(e.resource.name![0].given![0])}`);
    expect(families).toEqual([...families].sort());
    expect(families[0]).toBe('dang duc');
  });
});
