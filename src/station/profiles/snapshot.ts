import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/**
 * A small snapshot generator for the station's own profiles (docs/station/profiles.md says why it
 * exists: the usual tools need the FHIR package registry, which this machine cannot reach).
 *
 * It applies a differential to its base snapshot by element id, doing only what our differentials
 * need: constrain an element, unfold a complex datatype to constrain its children, add slices
 * (extension slices are unfolded from the extension's own snapshot so that `url` carries its fixed
 * value, which slice matching needs). Everything else fails loudly rather than producing a wrong
 * snapshot.
 */

/** Finds a StructureDefinition with a snapshot by canonical URL (R4 base types, or ours already built). */
export type DefinitionLookup = (url: string) => StructureDefinition | undefined;

const HL7_SD = 'http://hl7.org/fhir/StructureDefinition/';
/** Keys of a differential element that are bookkeeping, not constraints. */
const NOT_MERGED = new Set(['id', 'path', 'sliceName']);

/** Returns `sd` with a snapshot built from its base's snapshot and its differential. */
export function generateSnapshot(sd: StructureDefinition, lookup: DefinitionLookup): StructureDefinition {
  const base = sd.baseDefinition ? lookup(sd.baseDefinition) : undefined;
  if (!base?.snapshot?.element?.length) throw new Error(`${sd.url}: base ${sd.baseDefinition} has no snapshot`);
  const elements = structuredClone(base.snapshot.element);
  const builder = new SnapshotBuilder(elements, lookup, sd.url ?? '');
  for (const diff of sd.differential?.element ?? []) builder.apply(diff);
  return {
    ...sd,
    fhirVersion: sd.fhirVersion ?? '4.0.1',
    kind: sd.kind ?? base.kind,
    abstract: sd.abstract ?? false,
    type: sd.type ?? base.type,
    derivation: sd.derivation ?? 'constraint',
    snapshot: { element: elements },
  };
}

class SnapshotBuilder {
  constructor(
    private readonly elements: ElementDefinition[],
    private readonly lookup: DefinitionLookup,
    private readonly url: string,
  ) {}

  apply(diff: ElementDefinition): void {
    if (!diff.id || !diff.path) throw new Error(`${this.url}: differential elements need id and path`);
    const index = this.ensure(diff.id);
    const element = this.elements[index];
    if (element.path !== diff.path) throw new Error(`${this.url}: ${diff.id} has path ${element.path}, not ${diff.path}`);
    merge(element, diff);
    if (diff.sliceName && diff.type?.some((t) => t.profile?.length)) this.unfoldProfile(index);
  }

  /** Index of the element with this id, creating it (unfolding a parent, or adding a slice) if needed. */
  private ensure(id: string): number {
    const found = this.indexOf(id);
    if (found >= 0) return found;
    const { parent, name, slice } = splitId(id);
    if (!parent) throw new Error(`${this.url}: unknown root element ${id}`);
    if (slice) return this.addSlice(`${parent}.${name}`, slice);
    const parentIndex = this.ensure(parent);
    this.unfoldType(parentIndex);
    const index = this.indexOf(id);
    if (index < 0) throw new Error(`${this.url}: ${id} does not exist in the base`);
    return index;
  }

  private indexOf(id: string): number {
    return this.elements.findIndex((e) => e.id === id);
  }

  /** One past the last element that belongs to `index` (its children and its slices). */
  private endOf(index: number): number {
    const id = this.elements[index].id!;
    let end = index + 1;
    while (end < this.elements.length && (this.elements[end].id!.startsWith(`${id}.`) || this.elements[end].id!.startsWith(`${id}:`))) end++;
    return end;
  }

  private hasChildren(index: number): boolean {
    return this.elements[index + 1]?.id?.startsWith(`${this.elements[index].id}.`) ?? false;
  }

  private addSlice(slicedId: string, sliceName: string): number {
    const slicedIndex = this.ensure(slicedId);
    const sliced = this.elements[slicedIndex];
    if (!sliced.slicing) throw new Error(`${this.url}: ${slicedId} must declare slicing before slice ${sliceName}`);
    const slice: ElementDefinition = { ...structuredClone(sliced), id: `${slicedId}:${sliceName}`, sliceName, min: 0 };
    delete slice.slicing;
    const at = this.endOf(slicedIndex);
    this.elements.splice(at, 0, slice);
    return at;
  }

  /**
   * Inserts the element's children right after it (idempotent): a slice copies the children of the
   * element it slices (how a BackboneElement slice gets its fields), anything else those of its datatype.
   */
  private unfoldType(index: number): void {
    const element = this.elements[index];
    if (this.hasChildren(index)) return;
    const slicedIndex = element.sliceName ? this.indexOf(element.id!.slice(0, element.id!.lastIndexOf(':'))) : -1;
    if (slicedIndex >= 0 && this.hasChildren(slicedIndex)) {
      const slicedId = this.elements[slicedIndex].id!;
      const children: ElementDefinition[] = [];
      for (let i = slicedIndex + 1; this.elements[i]?.id!.startsWith(`${slicedId}.`); i++) {
        children.push({ ...structuredClone(this.elements[i]), id: element.id + this.elements[i].id!.slice(slicedId.length) });
      }
      this.elements.splice(index + 1, 0, ...children);
      return;
    }
    const codes = (element.type ?? []).map((t) => t.code);
    if (codes.length !== 1 || codes[0] === 'BackboneElement' || codes[0] === 'Element') {
      throw new Error(`${this.url}: cannot unfold ${element.id} (types ${codes.join(', ') || 'none'})`);
    }
    this.insertChildren(index, this.lookup(`${HL7_SD}${codes[0]}`), codes[0]!);
  }

  /** A slice typed with a profile (an extension) gets that profile's elements, so `url` is fixed. */
  private unfoldProfile(index: number): void {
    const element = this.elements[index];
    const url = element.type?.[0]?.profile?.[0];
    const profile = url ? this.lookup(url) : undefined;
    if (!profile) throw new Error(`${this.url}: profile ${url} for ${element.id} is not available`);
    if (this.hasChildren(index)) this.elements.splice(index + 1, this.endOf(index) - index - 1);
    this.insertChildren(index, profile, profile.type!);
  }

  private insertChildren(index: number, definition: StructureDefinition | undefined, typeName: string): void {
    if (!definition?.snapshot?.element) throw new Error(`${this.url}: no definition for type ${typeName}`);
    const parent = this.elements[index];
    const children = definition.snapshot.element.slice(1).map((child) => ({
      ...structuredClone(child),
      id: parent.id + child.id!.slice(typeName.length),
      path: parent.path + child.path!.slice(typeName.length),
    }));
    this.elements.splice(index + 1, 0, ...children);
  }
}

/** `Patient.address.extension:village` → parent `Patient.address`, name `extension`, slice `village`. */
function splitId(id: string): { parent: string; name: string; slice?: string } {
  const dot = lastDotOutsideSlice(id);
  const parent = dot < 0 ? '' : id.slice(0, dot);
  const last = id.slice(dot + 1);
  const colon = last.indexOf(':');
  return colon < 0 ? { parent, name: last } : { parent, name: last.slice(0, colon), slice: last.slice(colon + 1) };
}

function lastDotOutsideSlice(id: string): number {
  // Slice names in our profiles never contain dots, so the last dot separates the parent.
  return id.lastIndexOf('.');
}

/** Differential over snapshot element: constraints accumulate, everything else replaces. */
function merge(element: ElementDefinition, diff: ElementDefinition): void {
  for (const [key, value] of Object.entries(diff) as [keyof ElementDefinition, unknown][]) {
    if (NOT_MERGED.has(key)) continue;
    if (key === 'constraint') {
      element.constraint = [...(element.constraint ?? []), ...(value as NonNullable<ElementDefinition['constraint']>)];
    } else {
      (element as unknown as Record<string, unknown>)[key] = structuredClone(value);
    }
  }
  if (diff.sliceName) element.sliceName = diff.sliceName;
}
