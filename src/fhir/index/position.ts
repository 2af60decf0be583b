import type { TypedValue } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import type { IndexRows } from './tables';

/**
 * Positions for `near` (R4 Location.near, a "special" parameter: `latitude|longitude|distance|unit`).
 * A Location has one `position` (0..1), so its latitude and longitude are kept as two number rows
 * under `near:latitude` and `near:longitude`: the latitude row's B-tree gives a search the band of
 * latitudes to read, and the great-circle distance is checked on the pair (search/params/near.ts).
 * docs/search.md, "Positions".
 */

/** Mean Earth radius (IUGG), the sphere distances are measured on: good to ~0.5% against WGS84. */
export const EARTH_RADIUS_KM = 6371.0088;

export interface Position {
  latitude: number;
  longitude: number;
}

/** The spec marks a proximity parameter by its xpathUsage "nearby" (Location.near is R4's one). */
export const isPositionParam = (sp: SearchParameter): boolean => sp.type === 'special' && sp.xpathUsage === 'nearby';

export const latitudeKey = (code: string): string => `${code}:latitude`;
export const longitudeKey = (code: string): string => `${code}:longitude`;

/** A `position` element with both coordinates in range, or undefined. */
export function positionOf(value: unknown): Position | undefined {
  const v = value as { latitude?: unknown; longitude?: unknown } | null | undefined;
  const latitude = v?.latitude;
  const longitude = v?.longitude;
  if (typeof latitude !== 'number' || typeof longitude !== 'number') return undefined;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  return { latitude, longitude };
}

export function addPosition(rows: IndexRows, code: string, tv: TypedValue): void {
  const position = positionOf(tv.value);
  if (!position) return;
  rows.number.push({ param: latitudeKey(code), value: position.latitude }, { param: longitudeKey(code), value: position.longitude });
}

/** Great-circle distance in km (haversine), as the search's SQL computes it. */
export function distanceKm(a: Position, b: Position): number {
  const rad = Math.PI / 180;
  const h =
    Math.sin(((b.latitude - a.latitude) * rad) / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(((b.longitude - a.longitude) * rad) / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
