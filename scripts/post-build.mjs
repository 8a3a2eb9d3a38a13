// After tsc: make the CLI executable and copy the .proto files next to the code that
// loads them at run time.
import { chmodSync, cpSync, existsSync } from 'node:fs';
chmodSync('dist/cli/main.js', 0o755);
cpSync('proto', 'dist/proto-files', { recursive: true });
if (existsSync('src/web/static')) cpSync('src/web/static', 'dist/web/static', { recursive: true });
