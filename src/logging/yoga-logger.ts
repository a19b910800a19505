import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from './logger.js';

/** yoga's own log lines as pino lines (component "yoga"); debug and info cost nothing when disabled. */
export function createYogaLogger(logger: Logger): YogaLogger {
  const yogaLogger = logger.child({ component: 'yoga' });
  return {
    debug: (...args) => yogaLogger.isLevelEnabled('debug') && yogaLogger.debug(args.map(String).join(' ')),
    info: (...args) => yogaLogger.isLevelEnabled('info') && yogaLogger.info(args.map(String).join(' ')),
    warn: (...args) => yogaLogger.warn(args.map(String).join(' ')),
    // Errors that reach a client are logged where they arise (coins client, maskError), as one
    // structured line each; yoga's own report of the same error would be a second, unstructured one.
    error: (...args) => {
      if (args.length === 1 && args[0] instanceof GraphQLError) return;
      yogaLogger.error(args.map(String).join(' '));
    },
  };
}
