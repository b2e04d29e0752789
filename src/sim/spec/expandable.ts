import { validationError } from '../errors.js';
import { deref, type Schema } from './load.js';

/** The schemas a value of `schema` can be (a union's branches, each resolved). */
function variants(schema: Schema): Schema[] {
  const resolved = deref(schema);
  if (resolved.anyOf !== undefined) return resolved.anyOf.flatMap(variants);
  return [resolved];
}

function isList(schema: Schema): boolean {
  return schema.properties?.data?.type === 'array' && schema.properties.object?.enum?.[0] === 'list';
}

/** What an expanded field becomes: the resources it may name (`x-expansionResources`), or the field itself. */
function expandedTo(property: Schema): Schema[] {
  const resources = property['x-expansionResources']?.oneOf;
  if (resources !== undefined) return resources.flatMap(variants);
  return variants(property).filter((v) => v.type === 'object' || v.properties !== undefined);
}

function cannotExpand(path: string, hint: string | null): never {
  const suffix = hint === null ? '' : ` You may want to try expanding '${hint}' instead.`;
  throw validationError(`This property cannot be expanded (${path}).${suffix}`);
}

/**
 * Stripe's `expand[]` rule: every segment must be one of the object's `x-expandableFields`,
 * lists are entered through `data`. https://docs.stripe.com/expand
 */
export function checkExpand(response: Schema, path: string): void {
  let nodes = variants(response);
  for (const segment of path.split('.')) {
    if (nodes.some(isList) && segment === 'data') {
      nodes = nodes.filter(isList).flatMap((n) => variants(n.properties?.data?.items ?? {}));
      continue;
    }
    const owners = nodes.filter((n) => n['x-expandableFields']?.includes(segment) === true);
    if (owners.length === 0) {
      const listed = nodes.some((n) => isList(n) && variants(n.properties?.data?.items ?? {}).some((i) => i['x-expandableFields']?.includes(segment) === true));
      cannotExpand(path, listed && path === segment ? `data.${segment}` : null);
    }
    nodes = owners.flatMap((n) => expandedTo(n.properties?.[segment] ?? {}));
  }
}
