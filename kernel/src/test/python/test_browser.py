"""The tour as a student meets it: a real browser (Debian's Chromium, headless, driven by Selenium through
Debian's chromedriver) on Jupyter Notebook, served on 127.0.0.1 by this test. Run All renders the image, the
chart and the table and finishes the progress bar; the progress bar of an erasure updates in place; the
interrupt button stops the erasure and its partial result is then in the cell's variable.

kernel/test.sh installs chromium, chromium-driver, python3-selenium and jupyter-notebook; run alone:
    ERASURE_KERNEL_NAME=<installed kernel> python3 -m pytest -q test_browser.py
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request
import uuid

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

import run_notebooks
from kernel_util import KERNEL_NAME

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Generous: a kernel starts in 10-15 s on a busy 2-core machine, and the erasure loads a model first.
PATIENCE = float(os.environ.get("ERASURE_BROWSER_TIMEOUT", "300"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, probe, timeout=PATIENCE, every=0.1):
    """Polls probe() until it returns a true value, which it returns; fails naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# The classic Notebook's own front-end objects, read in the page (never the kernel's messages).
CELLS_JS = """
return Jupyter.notebook.get_cells().map(function (c, i) {
  var out = c.element.find('.output_area');
  return {index: i, type: c.cell_type, source: c.get_text(), prompt: c.input_prompt_number === undefined ? null : String(c.input_prompt_number),
          text: c.element.find('.output_subarea').toArray().map(function (o) { return o.innerText; }).join(' | '),
          images: c.element.find('.output_area img').toArray().map(function (im) { return [im.complete, im.naturalWidth, im.naturalHeight]; }),
          tables: c.element.find('.output_area table').length,
          tableRows: c.element.find('.output_area table tr').length,
          errors: c.element.find('.output_error').length,
          bars: c.element.find('.output_area progress').toArray().map(function (p) { return [p.getAttribute('value'), p.getAttribute('max')]; })};
});
"""


class BrowserTour(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="erasure-browser-")
        tour = json.loads((run_notebooks.ROOT / "notebooks" / "00-kernel-tour.ipynb").read_text())
        tour["metadata"]["kernelspec"]["name"] = KERNEL_NAME  # the kernel kernel/test.sh installed
        with open(os.path.join(cls.dir, "tour.ipynb"), "w") as f:
            json.dump(tour, f)
        cls.port, cls.token = free_port(), uuid.uuid4().hex
        cls.server = subprocess.Popen(
            ["/usr/bin/python3", "-m", "notebook", "--no-browser", "--ip=127.0.0.1", f"--port={cls.port}",
             "--port-retries=0", f"--NotebookApp.token={cls.token}", f"--notebook-dir={cls.dir}",
             "--NotebookApp.open_browser=False"] + (["--allow-root"] if os.geteuid() == 0 else []),
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(cls.dir, "server.log"), "w"))
        cls.base = f"http://127.0.0.1:{cls.port}"
        wait_for("the Jupyter server", cls.server_up, timeout=60, every=0.5)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,2000",
                     "--user-data-dir=" + os.path.join(cls.dir, "chromium")]:
            options.add_argument(flag)
        cls.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        cls.driver.set_script_timeout(30)

    @classmethod
    def server_up(cls):
        if cls.server.poll() is not None:
            raise AssertionError("the Jupyter server exited: " + open(os.path.join(cls.dir, "server.log")).read()[-2000:])
        try:
            with urllib.request.urlopen(f"{cls.base}/api/status?token={cls.token}", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    @classmethod
    def tearDownClass(cls):
        try:
            cls.driver.quit()
        finally:
            cls.server.terminate()
            try:
                cls.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                cls.server.kill()
            shutil.rmtree(cls.dir, ignore_errors=True)

    # --- the page ---------------------------------------------------------------------------------
    def cells(self):
        return self.driver.execute_script(CELLS_JS)

    def cell(self, index):
        return self.cells()[index]

    def click(self, css):
        self.driver.find_element(By.CSS_SELECTOR, css).click()

    def kernel_idle(self):
        return self.driver.execute_script(
            "return !!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()"
            " && $('#kernel_indicator_icon').hasClass('kernel_idle_icon'));")

    @staticmethod
    def ran(cell):
        """The cell has run: its prompt shows a number, not '*' (queued or running) and not blank."""
        return cell["prompt"] not in (None, "*", "null", "undefined", "")

    def finished(self, index):
        return self.ran(self.cell(index))

    def run_cell(self, index):
        """Selects cell `index` and presses the toolbar's Run button, as a student does."""
        self.driver.execute_script("Jupyter.notebook.select(arguments[0]);", index)
        self.click('button[data-jupyter-action="jupyter-notebook:run-cell-and-select-next"]')

    def screenshot(self, name):
        """With ERASURE_BROWSER_SHOTS=dir, saves what the page shows now (to look at, not to assert)."""
        shots = os.environ.get("ERASURE_BROWSER_SHOTS")
        if shots:
            os.makedirs(shots, exist_ok=True)
            self.driver.save_screenshot(os.path.join(shots, name + ".png"))

    def add_cell(self, source):
        return self.driver.execute_script(
            "var c = Jupyter.notebook.insert_cell_at_bottom('code'); c.set_text(arguments[0]);"
            " return Jupyter.notebook.find_cell_index(c);", source)

    def open_tour(self):
        self.driver.get(f"{self.base}/notebooks/tour.ipynb?token={self.token}")
        wait_for("the tour's kernel to start", self.kernel_idle, every=0.5)

    # --- the test ---------------------------------------------------------------------------------
    def test_run_all_then_interrupt_an_erasure(self):
        self.open_tour()
        code = [c["index"] for c in self.cells() if c["type"] == "code"]
        self.click("#celllink")        # the Cell menu …
        self.click("#run_all_cells")   # … Run All
        wait_for("Run All to finish", lambda: all(self.ran(c) for c in self.cells() if c["index"] in code), every=0.5)
        cells = self.cells()
        self.screenshot("run-all")

        def by_source(fragment):
            found = [c for c in cells if c["type"] == "code" and fragment in c["source"]]
            self.assertEqual(len(found), 1, f"one tour cell with {fragment!r}")
            return found[0]

        image = by_source("new BufferedImage(")
        self.assertEqual([[True, 160, 120]], image["images"], "the BufferedImage renders as a 160x120 PNG")
        chart = by_source("XYChartBuilder")
        self.assertEqual(1, len(chart["images"]), "the chart renders as one image")
        self.assertTrue(chart["images"][0][0] and chart["images"][0][1] >= 400, f"the chart image loads: {chart['images']}")
        table = by_source("Table.create(")
        self.assertEqual(1, table["tables"], "the Tablesaw table renders as HTML")
        self.assertGreater(table["tableRows"], 20, "head and tail rows")
        self.assertIn("loss", table["text"])
        bar = by_source("Task.start(")
        self.assertEqual([["20", "20"]], bar["bars"], "one progress bar, updated in place to 20 of 20")
        failing = by_source("values[i]")
        self.assertEqual(1, failing["errors"], "the tagged cell raises and Run All goes on")
        self.assertIn("ArrayIndexOutOfBoundsException", failing["text"])
        self.assertIn("answer = 42", by_source("survived")["text"])

        # An erasure, interrupted with the toolbar's button while its progress bar moves.
        model = (run_notebooks.ROOT / "models" / "shapeworld").as_posix()
        load = self.add_cell(f'StableDiffusion sd = StableDiffusion.load(Path.of("{model}"));')
        self.run_cell(load)
        wait_for("the model to load", lambda: self.finished(load), every=0.5)
        self.assertEqual(0, self.cell(load)["errors"], self.cell(load)["text"])
        total = 5000
        erase = self.add_cell(f'ErasureResult r = Erasure.of(sd).target("a circle").iterations({total}).run();')
        self.run_cell(erase)
        seen = []

        def moved_on():
            bars = self.cell(erase)["bars"]
            self.assertLessEqual(len(bars), 1, f"one progress bar per task, updated in place: {bars}")
            if bars and bars[0][0] is not None and (not seen or seen[-1] != bars[0][0]):
                seen.append(bars[0][0])
            return len(seen) >= 3

        wait_for("the erasure's progress bar to move three times", moved_on, every=0.05)
        self.click('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]')
        wait_for("the interrupted cell to end", lambda: self.finished(erase), timeout=60, every=0.2)
        after = self.cell(erase)
        self.assertEqual([int(v) for v in seen], sorted(int(v) for v in seen), f"the bar counts up: {seen}")
        self.assertIn("partial result in r", after["text"], "the interrupt says where the partial result is")

        check = self.add_cell('r.cancelled() + " " + r.stepsDone()')
        self.run_cell(check)
        wait_for("the check cell", lambda: self.finished(check), timeout=60, every=0.2)
        words = self.cell(check)["text"].strip().strip('"').split()
        self.screenshot("interrupted")
        self.assertEqual("true", words[0], f"the result is the cancelled run's: {words}")
        self.assertTrue(int(seen[-1]) <= int(words[1]) < total, f"kept {words[1]} steps, the bar showed {seen}")


if __name__ == "__main__":
    unittest.main()
