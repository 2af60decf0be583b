import { isDeepStrictEqual } from 'node:util';
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import { versionedReference } from '../../src/fhir/audit';
import { lazyStored, parseStored, storedText, storedVersionId } from '../../src/fhir/search/stored-json';
import { compactJson } from '../../src/http/response';

// A search page's resources are parsed only when something reads more than their type and id
// (src/fhir/search/stored-json.ts `lazyStored`). Whatever reads them must see the stored resource,
// and whatever changes one must not have the stored text sent in its place.

/** Stored text as PostgreSQL's json column keeps it, with its own spacing. */
const TEXT = '{"resourceType": "Patient", "id": "p1", "meta": {"versionId": "3"}, "name": [{"family": "Đặng", "given": ["Thư"]}], "active": true}';
const lazy = (text = TEXT): Patient => lazyStored('Patient', 'p1', '3', text) as Patient;

describe('a lazily parsed search result', () => {
  test('its type, id, version and text are read without parsing it', () => {
    // Text that is not JSON would throw on the first parse.
    const resource = lazy('not JSON');
    expect(resource.resourceType).toBe('Patient');
    expect(resource.id).toBe('p1');
    expect(storedVersionId(resource)).toBe('3');
    expect(versionedReference(resource)).toBe('Patient/p1/_history/3');
    expect(storedText(resource)).toBe('not JSON');
    expect(() => resource.name).toThrow(SyntaxError);
  });

  test('reading it any other way gives the stored resource', () => {
    const expected = JSON.parse(TEXT) as Patient;
    const resource = lazy();
    expect(resource.name?.[0].family).toBe('Đặng');
    expect('active' in resource).toBe(true);
    expect(Object.keys(resource)).toEqual(Object.keys(expected));
    expect({ ...resource }).toEqual(expected);
    expect(JSON.parse(JSON.stringify(resource))).toEqual(expected);
    expect(resource).toEqual(expected);
  });

  test('a page of them is sent as stored, byte for byte, and as JSON.stringify would write it', () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: lazy(), search: { mode: 'match' } }] };
    const sent = compactJson(bundle).toString();
    expect(sent).toContain(TEXT);
    expect(JSON.parse(sent)).toEqual(JSON.parse(JSON.stringify(bundle)));
    // Sending does not parse it: text that is not JSON goes out as it is.
    const unparsed: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: lazy('not JSON') }] };
    expect(compactJson(unparsed).toString()).toContain('"resource":not JSON');
  });

  test('a changed one is no longer its stored text: the change is what is sent', () => {
    const changes: [string, (r: Patient) => void, (r: Patient) => unknown][] = [
      ['set', (r) => (r.active = false), (r) => r.active],
      ['delete', (r) => delete r.active, (r) => 'active' in r],
      ['define', (r) => Object.defineProperty(r, 'gender', { value: 'female', enumerable: true, configurable: true, writable: true }), (r) => r.gender],
      ['new id', (r) => (r.id = 'p2'), (r) => r.id],
    ];
    const expected: unknown[] = [false, false, 'female', 'p2'];
    changes.forEach(([, change, read], i) => {
      const resource = lazy();
      change(resource);
      expect(read(resource)).toEqual(expected[i]);
      expect(storedText(resource)).toBeUndefined();
      const sent = JSON.parse(compactJson({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource }] } as Bundle).toString()) as Bundle;
      expect(sent.entry?.[0].resource).toEqual(JSON.parse(JSON.stringify(resource)));
      expect(read(sent.entry?.[0].resource as Patient)).toEqual(expected[i]);
    });
  });

  test('a resource not read by a search keeps its own version', () => {
    const written: Resource = { resourceType: 'Patient', id: 'w', meta: { versionId: '7' } };
    expect(storedVersionId(written)).toBe('7');
    expect(versionedReference(written)).toBe('Patient/w/_history/7');
    expect(versionedReference({ resourceType: 'Patient', id: 'n' })).toBe('Patient/n');
  });

  test('a parsed one is the plain resource to everything that reads it; its text stays with it, not with copies', () => {
    // The text rides on the object itself (src/fhir/search/stored-json.ts): nothing that lists,
    // copies, compares or writes out the resource may see it.
    const expected = JSON.parse(TEXT) as Patient;
    const resource = parseStored(TEXT) as Patient;
    expect(storedText(resource)).toBe(TEXT);
    expect(Object.keys(resource)).toEqual(Object.keys(expected));
    expect(Reflect.ownKeys({ ...resource })).toEqual(Reflect.ownKeys(expected));
    expect(JSON.stringify(resource)).toBe(JSON.stringify(expected));
    expect(isDeepStrictEqual(resource, expected)).toBe(true);
    expect(structuredClone(resource)).toEqual(expected);
    expect(storedText({ ...resource })).toBeUndefined();
    expect(storedText(structuredClone(resource))).toBeUndefined();
    // A lazy one hands its text to no copy either, and lists only the resource's own keys.
    expect(storedText({ ...lazy() })).toBeUndefined();
    expect(Reflect.ownKeys(lazy())).toEqual(Reflect.ownKeys(expected));
  });
});
