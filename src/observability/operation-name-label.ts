/**
 * Operation names come from callers, so as a metric label they must be bounded: a name is kept
 * only if it is a plain GraphQL name of at most MAX_NAME_LENGTH characters and one of the first
 * MAX_DISTINCT_NAMES distinct names seen since start; everything else is `other`. (The names in a
 * TRUSTED_DOCUMENTS_FILE manifest would be a natural allow-list; these labels do not use it yet.)
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

export function createOperationNameLabels(maxDistinct = MAX_DISTINCT_NAMES): OperationNameLabels {
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
