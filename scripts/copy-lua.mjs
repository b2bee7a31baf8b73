// Copies every Lua script (src/**/lua/*.lua) to the same place under the build's output, so that the
// compiled modules find them beside themselves as the sources do (src/buffer/lua-loader.ts).
// Usage: node scripts/copy-lua.mjs [sourceDir] [outDir]   (defaults: src dist)
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const [sourceDir = 'src', outDir = 'dist'] = process.argv.slice(2);

/** Every .lua file under `dir` inside a folder named `lua`. */
function luaFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return luaFiles(path);
    return entry.name.endsWith('.lua') && dirname(path).endsWith('lua') ? [path] : [];
  });
}

const files = luaFiles(sourceDir);
for (const file of files) {
  const target = join(outDir, relative(sourceDir, file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
process.stdout.write(`copied ${files.length} Lua scripts to ${outDir}\n`);
