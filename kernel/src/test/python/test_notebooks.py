"""Executes the notebooks with nbclient and checks what the tour notebook shows."""
import base64
import re
import unittest

import run_notebooks

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def outputs_of(cell):
    return cell.get("outputs", [])


def data_of(nb, mime):
    return [o["data"][mime] for c in nb.cells for o in outputs_of(c) if mime in o.get("data", {})]


class Notebooks(unittest.TestCase):
    def test_every_notebook_runs(self):
        paths = run_notebooks.notebooks([])
        self.assertTrue(paths, "no notebooks found")
        for path in paths:
            if path.name == "00-kernel-tour.ipynb":
                continue  # run (and checked) below
            with self.subTest(notebook=path.name):
                run_notebooks.execute(path)


class KernelTour(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.nb = run_notebooks.execute(run_notebooks.ROOT / "notebooks" / "00-kernel-tour.ipynb")
        cls.code = [c for c in cls.nb.cells if c.cell_type == "code"]

    def test_state_across_cells(self):
        self.assertEqual(self.code[1].outputs[0]["data"]["text/plain"], "state survives between cells: 42")

    def test_pngs_are_complete(self):
        pngs = data_of(self.nb, "image/png")
        self.assertGreaterEqual(len(pngs), 2, "the image and the chart")
        for png in pngs:
            raw = base64.b64decode(png)
            self.assertEqual(raw[:8], b"\x89PNG\r\n\x1a\n")
            self.assertEqual(raw[-12:-4], b"\x00\x00\x00\x00IEND", "PNG truncated (no IEND chunk)")

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


if __name__ == "__main__":
    unittest.main()
