// The TypeScript typings of the viewer's JavaScript API: the generated `.d.ts` compiles under
// `strict`, a page written against it type-checks, and misuse (a layout that does not exist, a
// keymap of the wrong shape) is a type error.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const webDir = process.env.READROOM_WEB_DIR;
if (!webDir) throw new Error("READROOM_WEB_DIR is not set: run these tests with cargo xtask test");
const tsc = join(dirname(fileURLToPath(import.meta.url)), "node_modules", ".bin", "tsc");

/** Type-checks `source` against the built viewer; returns tsc's diagnostics ("" when clean). */
function check(source) {
  const folder = mkdtempSync(join(tmpdir(), "readroom-typings-"));
  try {
    writeFileSync(join(folder, "page.ts"), source.replaceAll("VIEWER", join(webDir, "readroom_viewer.js")));
    execFileSync(tsc, ["--noEmit", "--strict", "--target", "es2022", "--module", "es2022",
      "--moduleResolution", "bundler", "--lib", "esnext,dom", join(folder, "page.ts")], { encoding: "utf8" });
    return "";
  } catch (error) {
    return `${error.stdout}${error.stderr}`;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

test("a page written against the typings type-checks", () => {
  const diagnostics = check(`
    import init, { ReadroomViewer, type Keymap, type Marker, type CineState } from "VIEWER";
    export async function open(container: HTMLElement): Promise<number> {
      await init();
      const viewer = await ReadroomViewer.create(container, "auto");
      viewer.setLayout("2x2");
      viewer.setTool("marker");
      viewer.command({ select_tool: "length" });
      const keymap: Keymap = viewer.keymap();
      keymap.mouse.middle = { tool: "zoom" };
      viewer.setKeymap(keymap);
      const markers: Marker[] = viewer.markers();
      const cine: CineState = viewer.cine();
      const curve = viewer.timeIntensityCurve(0);
      const pixels = await viewer.readPixels();
      return markers.length + cine.phases + (curve?.length ?? 0) + pixels.data.length + markers[0].point.lps_mm[2];
    }
  `);
  assert.equal(diagnostics, "");
});

test("misuse is a type error", () => {
  for (const [misuse, expected] of [
    [`viewer.setLayout("4x4");`, /"4x4"/],
    [`viewer.setKeymap({ keys: {} });`, /mouse/],
    [`const n: number = viewer.cine().playing;`, /boolean/],
  ]) {
    const diagnostics = check(`
      import { ReadroomViewer } from "VIEWER";
      export function misuse(viewer: ReadroomViewer) { ${misuse} }
    `);
    assert.match(diagnostics, expected, `${misuse} type-checked`);
  }
});
