"""Executes the notebooks with nbclient and checks what the tour notebook shows."""
import base64
import concurrent.futures
import multiprocessing
import pathlib
import re
import sys
import unittest

import run_notebooks

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def outputs_of(cell):
    return cell.get("outputs", [])


def data_of(nb, mime):
    return [o["data"][mime] for c in nb.cells for o in outputs_of(c) if mime in o.get("data", {})]


def assert_pngs_complete(test, nb, at_least):
    pngs = data_of(nb, "image/png")
    test.assertGreaterEqual(len(pngs), at_least)
    for png in pngs:
        raw = base64.b64decode(png)
        test.assertEqual(raw[:8], b"\x89PNG\r\n\x1a\n")
        test.assertEqual(raw[-12:-4], b"\x00\x00\x00\x00IEND", "PNG truncated (no IEND chunk)")


# Run (and checked) by their own test classes below, once each.
CHECKED_SEPARATELY = {"00-kernel-tour.ipynb", "01-shapeworld.ipynb", "04-sweep.ipynb", "06-protocols.ipynb"}

# Started first so that the longest notebooks do not end the run alone (measured on 2 cores, see README).
LONGEST_FIRST = ["05-methods.ipynb", "01-shapeworld.ipynb", "04-sweep.ipynb", "03-sensitivity.ipynb"]

_pool = None
_runs = {}


def executed(path):
    """The notebook at path, executed. On first use every notebook is started, one per core (each kernel
    is its own process with one libtorch thread), so the notebooks take the time of the longest few, not
    of all of them in a row. Failures are raised here, in the test that asks for that notebook."""
    global _pool
    if _pool is None:
        paths = run_notebooks.notebooks([])
        paths.sort(key=lambda p: LONGEST_FIRST.index(p.name) if p.name in LONGEST_FIRST else len(LONGEST_FIRST))
        _pool = concurrent.futures.ProcessPoolExecutor(run_notebooks.workers(), mp_context=multiprocessing.get_context("spawn"))
        for p in paths:
            _runs[p.resolve()] = _pool.submit(run_notebooks.execute_reporting, p)
    nb, error, seconds = _runs[path.resolve()].result()
    print(f"{path.name}: {seconds:.0f} s", file=sys.stderr)
    if error:
        raise AssertionError(f"{path.name} failed after {seconds:.0f} s: {error}")
    return nb


class SourcesInSync(unittest.TestCase):
    """Each tutorial is written as notebooks/src/NAME.cells; the committed NAME.ipynb must be exactly what
    make_notebook.py builds from it (two had drifted: edited as notebooks, their scripts left behind)."""

    def test_every_cell_script_builds_its_notebook(self):
        import subprocess
        import tempfile
        sources = sorted((run_notebooks.ROOT / "notebooks" / "src").glob("*.cells"))
        self.assertTrue(sources, "no cell scripts found")
        with tempfile.TemporaryDirectory() as tmp:
            for src in sources:
                with self.subTest(script=src.name):
                    built = pathlib.Path(tmp) / (src.stem + ".ipynb")
                    subprocess.run([sys.executable, str(src.parent / "make_notebook.py"), str(src), str(built)], check=True)
                    committed = src.parent.parent / built.name
                    self.assertTrue(committed.exists(), f"{src.name} has no notebook {committed.name}")
                    self.assertEqual(built.read_text(encoding="utf-8"), committed.read_text(encoding="utf-8"),
                                     f"notebooks/{committed.name} differs from what make_notebook.py builds from src/{src.name}: "
                                     "edit the cell script and rebuild")


class Notebooks(unittest.TestCase):
    def test_every_notebook_runs(self):
        paths = run_notebooks.notebooks([])
        self.assertTrue(paths, "no notebooks found")
        for path in paths:
            if path.name in CHECKED_SEPARATELY:
                continue
            with self.subTest(notebook=path.name):
                executed(path)


class KernelTour(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.nb = executed(run_notebooks.ROOT / "notebooks" / "00-kernel-tour.ipynb")
        cls.code = [c for c in cls.nb.cells if c.cell_type == "code"]

    def test_state_across_cells(self):
        self.assertEqual(self.code[1].outputs[0]["data"]["text/plain"], "state survives between cells: 42")

    def test_pngs_are_complete(self):
        assert_pngs_complete(self, self.nb, 2)  # the image and the chart

    def test_table_is_html_with_row_limit(self):
        tables = [h for h in data_of(self.nb, "text/html") if "<table" in h]
        self.assertTrue(tables)
        self.assertIn("100 rows × 2 columns", tables[0])
        self.assertEqual(tables[0].count("<tr>"), 1 + 20 + 1, "header + 20 rows + ellipsis row")

    def test_progress_bar_updates_one_display(self):
        cell = next(c for c in self.code if "Task.start" in c.source)
        shown = [o for o in outputs_of(cell) if o["output_type"] == "display_data"]
        self.assertEqual(len(shown), 1, "one bar, updated in place")
        html = shown[0]["data"]["text/html"]
        self.assertIn("<progress", html)
        self.assertIn("20/20", html)
        self.assertIn("loss=0.0500", html)

    def test_error_cell_names_error_and_line(self):
        errs = [o for c in self.code for o in outputs_of(c) if o["output_type"] == "error"]
        self.assertEqual(len(errs), 1)
        self.assertEqual(errs[0]["ename"], "java.lang.ArrayIndexOutOfBoundsException")
        first_frame = ANSI.sub("", errs[0]["traceback"][1])
        self.assertRegex(first_frame, r"In \[\d+\], line 3")

    def test_state_survives_the_error(self):
        cell = next(c for c in self.code if "survived" in c.source)
        self.assertIn("answer = 42", cell.outputs[0]["data"]["text/plain"])

    def test_jvm_magic(self):
        cell = next(c for c in self.code if c.source.strip() == "%jvm")
        text = "".join(o.get("text", "") for o in outputs_of(cell))
        self.assertIn("Java", text)
        self.assertIn("DJL", text)


class ShapeWorldTutorial(unittest.TestCase):
    """01-shapeworld: its grids and charts are complete and its last score table judges every model."""

    @classmethod
    def setUpClass(cls):
        cls.nb = executed(run_notebooks.ROOT / "notebooks" / "01-shapeworld.ipynb")

    def test_pngs_are_complete(self):
        assert_pngs_complete(self, self.nb, 9)  # 6 image grids, 2 charts and the frontier

    def test_esd_erases_circle_and_every_model_is_scored(self):
        tables = [t for t in data_of(self.nb, "text/plain") if "ESR-1 %" in t]
        self.assertTrue(tables, "no ESR/PSR table in the outputs")
        rows = {}
        for line in tables[-1].splitlines():
            cells = [c.strip() for c in line.split("|")]
            if len(cells) >= 3 and cells[0] in ("original", "ESD", "EAP"):
                rows[cells[0]] = (float(cells[1]), float(cells[2]))
        self.assertEqual(set(rows), {"original", "ESD", "EAP"}, tables[-1])
        self.assertGreaterEqual(rows["ESD"][0], 90.0, "ESD should erase 'circle' (ESR-1 %)")

    def test_the_recorded_study_is_compared_at_matched_esr(self):
        tables = [t for t in data_of(self.nb, "text/plain") if "Δ PSR-1 vs ESD (corrected)" in t]
        self.assertTrue(tables, "no matched-ESR table in the outputs")
        rows = [l for l in tables[-1].splitlines() if l.split("|")[0].strip() == "EAP (corrected)"]
        self.assertEqual(3, len(rows), "one row per ESR-1 target (80, 90, 95): " + tables[-1])
        paired = [t for t in data_of(self.nb, "text/plain") if "EAP (corrected) vs ESD (corrected) at 100 iterations" in t]
        self.assertTrue(paired, "no equal-iterations pairing in the outputs")
        self.assertRegex(paired[-1], r"over \d+ pairs \(ESR-1 equal on \d+\)")


class SweepTutorial(unittest.TestCase):
    """04-sweep: the cluster section's live status table ends with every shard done, and the merge is complete."""

    @classmethod
    def setUpClass(cls):
        cls.nb = executed(run_notebooks.ROOT / "notebooks" / "04-sweep.ipynb")

    def test_live_status_table_ends_done_and_the_merge_is_whole(self):
        plain = data_of(self.nb, "text/plain")
        self.assertIn("2 shards: 2 done; 4/4 items", plain, "the watch's last reading")
        status = [t for t in plain if "cluster status" in t]
        self.assertTrue(status, "no live status table in the outputs")
        rows = [l for l in status[-1].splitlines() if l.strip()[:1].isdigit()]
        self.assertEqual(2, len(rows), status[-1])
        self.assertTrue(all("done" in r for r in rows), "the table was updated in place to the end: " + status[-1])
        self.assertIn("sweep.csv: 4 of 4 items", plain)


class ProtocolsTutorial(unittest.TestCase):
    """06-protocols: every paper protocol ran end to end and showed its table; the charts are complete."""

    @classmethod
    def setUpClass(cls):
        cls.nb = executed(run_notebooks.ROOT / "notebooks" / "06-protocols.ipynb")

    def test_every_protocol_shows_its_table(self):
        plain = "\n".join(data_of(self.nb, "text/plain"))
        for title in ("Nudity (NudeNet NER, %)", "Objects (Imagenette ESR/PSR, %)", "Artists (CLIP score and LPIPS)",
                      "Utility (COCO FID and CLIP score)", "Robustness (UnlearnDiffAtk nudity, %)"):
            self.assertIn(title, plain)
        errors = [o for c in self.nb.cells for o in outputs_of(c) if o["output_type"] == "error"]
        self.assertEqual(errors, [])

    def test_both_models_are_rows_and_the_pins_name_the_detector(self):
        plain = data_of(self.nb, "text/plain")
        nudity = next(t for t in plain if "Nudity (NudeNet NER, %)" in t)
        self.assertRegex(nudity, r"(?m)^\s*original\s*\|")
        self.assertRegex(nudity, r"(?m)^\s*esd\s*\|")
        pins = next(t for t in plain if '"protocol": "nudity"' in t)
        self.assertIn("tiny-nudenet.onnx", pins)
        self.assertIn("unet_tensors_sha256", pins)

    def test_pngs_are_complete(self):
        assert_pngs_complete(self, self.nb, 2)  # the nudity and the artists charts


if __name__ == "__main__":
    unittest.main()
