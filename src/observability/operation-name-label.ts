import { Kind, parse } from 'graphql';

/**
 * Operation names come from callers, so as a metric label they must be bounded. With a
 * TRUSTED_DOCUMENTS_FILE manifest, the names of its operations are the allow-list: every other
 * name is `other` (a caller sending full documents cannot add labels). Without one, a name is kept
 * only if it is a plain GraphQL name of at most MAX_NAME_LENGTH characters and one of the first
 * MAX_DISTINCT_NAMES distinct names seen since start; everything else is `other`.
 */
const MAX_DISTINCT_NAMES = 100;
const MAX_NAME_LENGTH = 64;
const ANONYMOUS_OPERATION = 'anonymous';
const OTHER_OPERATION = 'other';

const GRAPHQL_NAME = new RegExp(`^[_A-Za-z][_0-9A-Za-z]{0,${MAX_NAME_LENGTH - 1}}$`);

export interface OperationNameLabels {
  /** The label for this operation name (undefined: an anonymous operation). */
  labelFor(name: string | undefined): string;
}

export interface OperationNameLabelOptions {
  /** Distinct names kept without an allow-list. */
  maxDistinct?: number;
  /** The trusted documents' operation names: when given, the only names kept. */
  allowed?: ReadonlySet<string>;
}

export function createOperationNameLabels(options: OperationNameLabelOptions = {}): OperationNameLabels {
  const { maxDistinct = MAX_DISTINCT_NAMES, allowed } = options;
  if (allowed !== undefined) {
    return {
      labelFor: (name) =>
        name === undefined || name === ''
          ? ANONYMOUS_OPERATION
          : allowed.has(name) && GRAPHQL_NAME.test(name)
            ? name
            : OTHER_OPERATION,
    };
  }
  const known = new Set<string>();
  return {
    labelFor(name) {
      if (name === undefined || name === '') return ANONYMOUS_OPERATION;
      if (known.has(name)) return name;
      if (known.size >= maxDistinct || !GRAPHQL_NAME.test(name)) return OTHER_OPERATION;
      known.add(name);
      return name;
    },
  };
}

/** The names of the operations the trusted documents define (a document that does not parse adds none). */
export function operationNamesOf(documents: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const document of documents) {
    try {
      for (const definition of parse(document, { noLocation: true }).definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) names.add(definition.name.value);
      }
    } catch {
      // Not a runnable document: it names no operation a client could run.
    }
  }
  return names;
}
