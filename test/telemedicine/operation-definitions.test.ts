import fs from 'node:fs';
import path from 'node:path';
import type { OperationDefinition } from '@medplum/fhirtypes';
import { PROFILE_SOURCES_DIR } from '../../src/station/profiles/pack';
import { TELEMEDICINE_OPERATIONS, TELEMEDICINE_ROUTES } from '../../src/telemedicine/operations';

const dir = path.join(PROFILE_SOURCES_DIR, 'telemedicine');
const definitions = fs
  .readdirSync(dir)
  .filter((f) => f.startsWith('OperationDefinition-'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as OperationDefinition);

describe('telemedicine OperationDefinitions', () => {
  test('every operation the router serves has its definition in fhir-profiles/telemedicine, and no definition is left over', () => {
    expect(TELEMEDICINE_OPERATIONS.map((o) => o.definition).sort()).toEqual(definitions.map((d) => d.url).sort());
  });

  test('each definition says the code, type and level the route serves', () => {
    for (const [, pattern] of TELEMEDICINE_ROUTES) {
      const segments = pattern.split('/');
      const code = segments[segments.length - 1].slice(1);
      const definition = definitions.find((d) => d.code === code && d.resource?.includes(segments[0] as never));
      expect({ pattern, instance: definition?.instance, type: definition?.type }).toEqual({ pattern, instance: segments[1] === ':id', type: segments[1] !== ':id' });
    }
  });
});
