// The federation subgraph SDL is not committed whole: schema.graphql (sorted) plus
// src/schema/subgraph-extension.graphql (the @link and @key extensions). `_service { sdl }` answers
// it in declaration order with the @keys on the types, so both are compared in one canonical text.

import { readFileSync } from 'node:fs';
import { type ConstDirectiveNode, type DefinitionNode, Kind, parse, print, visit } from 'graphql';

const root = new URL('../../', import.meta.url);

/** schema.graphql followed by src/schema/subgraph-extension.graphql, as committed. */
export function committedSubgraphSdl(): string {
  const publicSdl = readFileSync(new URL('schema.graphql', root), 'utf8');
  const extension = readFileSync(new URL('src/schema/subgraph-extension.graphql', root), 'utf8');
  return `${publicSdl}\n${extension}`;
}

const byName = (a: { name: { value: string } }, b: { name: { value: string } }) =>
  a.name.value.localeCompare(b.name.value, 'en');
const sorted = <T extends { name: { value: string } }>(nodes: readonly T[] | undefined) =>
  nodes && [...nodes].sort(byName);
const nameOf = (definition: DefinitionNode) => ('name' in definition && definition.name ? definition.name.value : '');

/**
 * One text for SDL documents that mean the same schema: an `extend type T @d` that adds only
 * directives is folded into T's definition, and definitions, fields, arguments, input fields,
 * enum values, interfaces and union members are sorted by name (schema extensions first).
 */
export function canonicalSdl(sdl: string): string {
  const addedDirectives = new Map<string, ConstDirectiveNode[]>();
  const definitions: DefinitionNode[] = [];
  for (const definition of parse(sdl).definitions) {
    if (
      definition.kind === Kind.OBJECT_TYPE_EXTENSION &&
      !definition.fields?.length &&
      !definition.interfaces?.length
    ) {
      const name = definition.name.value;
      addedDirectives.set(name, [...(addedDirectives.get(name) ?? []), ...(definition.directives ?? [])]);
    } else {
      definitions.push(definition);
    }
  }
  const folded = definitions.map((definition) => {
    const added = definition.kind === Kind.OBJECT_TYPE_DEFINITION && addedDirectives.get(definition.name.value);
    if (!added) return definition;
    addedDirectives.delete(nameOf(definition));
    return { ...definition, directives: [...(definition.directives ?? []), ...added] };
  });
  if (addedDirectives.size > 0) throw new Error(`extend type of an undefined type: ${[...addedDirectives.keys()]}`);
  const document = visit(
    { kind: Kind.DOCUMENT, definitions: folded.sort((a, b) => nameOf(a).localeCompare(nameOf(b), 'en')) },
    {
      ObjectTypeDefinition: (node) => ({ ...node, fields: sorted(node.fields), interfaces: sorted(node.interfaces) }),
      InterfaceTypeDefinition: (node) => ({
        ...node,
        fields: sorted(node.fields),
        interfaces: sorted(node.interfaces),
      }),
      InputObjectTypeDefinition: (node) => ({ ...node, fields: sorted(node.fields) }),
      EnumTypeDefinition: (node) => ({ ...node, values: sorted(node.values) }),
      UnionTypeDefinition: (node) => ({ ...node, types: sorted(node.types) }),
      FieldDefinition: (node) => ({ ...node, arguments: sorted(node.arguments) }),
    },
  );
  return `${print(document)}\n`;
}
