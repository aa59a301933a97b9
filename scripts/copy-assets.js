// Copies the non-TypeScript files the compiled code reads at run time (SQL migrations, portal
// assets) from src/ into dist/src/, keeping their paths.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ASSET = /\.(sql|html|css|svg|json)$/;

function copyAssets(from, to) {
  for (const entry of readdirSync(from)) {
    const source = path.join(from, entry);
    const target = path.join(to, entry);
    if (statSync(source).isDirectory()) copyAssets(source, target);
    else if (ASSET.test(entry)) cpSync(source, target);
  }
}

if (existsSync('src')) copyAssets('src', path.join('dist', 'src'));
