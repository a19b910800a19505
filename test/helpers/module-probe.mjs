// `node --import ./test/helpers/module-probe.mjs`: appends every module specifier the process
// resolves that contains MODULE_PROBE_MATCH to the file MODULE_PROBE_FILE, one per line. Used to
// prove what a process does NOT load (e.g. no OpenTelemetry module while tracing is off).
import { register } from 'node:module';

register('./module-probe-hooks.mjs', import.meta.url, {
  data: { file: process.env.MODULE_PROBE_FILE, match: process.env.MODULE_PROBE_MATCH },
});
