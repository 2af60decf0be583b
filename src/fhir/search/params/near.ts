import { EARTH_RADIUS_KM, latitudeKey, longitudeKey, type Position } from '../../index/position';
import { canonicalQuantity, UCUM } from '../../index/ucum';
import { badRequest, echoed } from '../../outcomes';
import type { SqlParams } from '../sql';
import { splitEscaped, unescapeValue } from '../values';

/**
 * `near=latitude|longitude|distance|unit` (R4 Location.near): positions within `distance` of the
 * point along the Earth's surface. The unit is a UCUM length (km when left out); the distance,
 * when left out, is the server's choice: DEFAULT_NEAR_KM, about a commune and its neighbours.
 * docs/search.md, "Positions".
 */

export interface NearPoint extends Position {
  km: number;
}

export const DEFAULT_NEAR_KM = 10;
/** Points in one `near`: each is a subquery of its own (1,000 took a second to plan and run). */
export const MAX_NEAR_POINTS = 100;
/** Half the Earth's circumference: every position is within it. */
const MAX_KM = Math.PI * EARTH_RADIUS_KM;
const DECIMAL = /^[+-]?(\d{1,3}(\.\d{1,20})?|\.\d{1,20})$/;
const DISTANCE = /^(\d{1,9}(\.\d{1,20})?|\.\d{1,20})$/;
/** Kilometres in one degree of latitude (and of longitude on the equator). */
const KM_PER_DEGREE = (Math.PI / 180) * EARTH_RADIUS_KM;

export function parseNear(key: string, raw: string): NearPoint {
  const usage = (): Error =>
    badRequest(`${key} cần dạng vĩ-độ|kinh-độ|khoảng-cách|đơn-vị (ví dụ 19.8|105.77|5|km): ${echoed(raw)}`, `${key} takes latitude|longitude|distance|unit (e.g. 19.8|105.77|5|km): ${echoed(raw)}`);
  const parts = splitEscaped(raw, '|').map(unescapeValue);
  if (parts.length < 2 || parts.length > 4) throw usage();
  const [latText, longText, distanceText = '', unit = ''] = parts;
  if (!DECIMAL.test(latText) || !DECIMAL.test(longText)) throw usage();
  const latitude = Number(latText);
  const longitude = Number(longText);
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
    throw badRequest(`${key}: vĩ độ trong khoảng −90..90, kinh độ −180..180: ${echoed(raw)}`, `${key}: latitude is within -90..90 and longitude within -180..180: ${echoed(raw)}`);
  }
  if (distanceText === '') return { latitude, longitude, km: DEFAULT_NEAR_KM };
  if (!DISTANCE.test(distanceText)) throw usage();
  const metres = canonicalQuantity(Number(distanceText), UCUM, unit || 'km');
  if (metres?.code !== 'm') {
    throw badRequest(`${key}: đơn vị khoảng cách phải là đơn vị độ dài UCUM (km, m): ${echoed(unit)}`, `${key}: the distance unit must be a UCUM length (km, m): ${echoed(unit)}`);
  }
  return { latitude, longitude, km: Math.min(metres.value / 1000, MAX_KM) };
}

/**
 * One point's condition on a latitude row (alias i) of `code`: within the band of latitudes the
 * distance allows (what the index reads), with a longitude row of the same resource inside the
 * band of longitudes (when it does not wrap round the date line or reach a pole) and the pair's
 * haversine distance within `km`.
 */
export function nearCondition(code: string, point: NearPoint, p: SqlParams): string {
  const degrees = point.km / KM_PER_DEGREE;
  const lat = p.add(point.latitude);
  const long = p.add(point.longitude);
  const conditions = [`i.param = ${p.add(latitudeKey(code))}`, `i.value BETWEEN ${p.addRange(point.latitude - degrees)}::numeric AND ${p.addRange(point.latitude + degrees)}::numeric`];
  const longitude = [
    'j.station_id = i.station_id',
    'j.resource_type = i.resource_type',
    'j.resource_id = i.resource_id',
    `j.param = ${p.add(longitudeKey(code))}`,
  ];
  const farthestLatitude = Math.abs(point.latitude) + degrees;
  if (farthestLatitude < 90) {
    const spread = degrees / Math.cos((farthestLatitude * Math.PI) / 180);
    if (point.longitude - spread >= -180 && point.longitude + spread <= 180) {
      longitude.push(`j.value BETWEEN ${p.addRange(point.longitude - spread)}::numeric AND ${p.addRange(point.longitude + spread)}::numeric`);
    }
  }
  const h = `power(sin(radians(i.value::float8 - ${lat}::float8) / 2), 2)
    + cos(radians(${lat}::float8)) * cos(radians(i.value::float8)) * power(sin(radians(j.value::float8 - ${long}::float8) / 2), 2)`;
  longitude.push(`2 * ${EARTH_RADIUS_KM} * asin(least(1, sqrt(${h}))) <= ${p.add(point.km)}::float8`);
  conditions.push(`EXISTS (SELECT 1 FROM idx_number j WHERE ${longitude.join(' AND ')})`);
  return `(${conditions.join(' AND ')})`;
}
