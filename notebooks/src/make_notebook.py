#!/usr/bin/env python3
"""Builds a notebook from a cell script: cells separated by lines '//%% md' (markdown) or '//%%' (code).
Usage: make_notebook.py src/02-erase.cells 02-erase.ipynb. Keeps tutorials diff-able as plain text."""
import json, sys

def cells(text):
    kind, buf, out = "code", [], []
    def flush():
        src = "\n".join(buf).strip("\n")
        if src:
            if kind == "markdown":
                src = "\n".join(l[3:] if l.startswith("// ") else l.lstrip("/") for l in src.split("\n"))
            out.append({"cell_type": kind, "id": f"cell-{len(out)}", "metadata": {}, "source": src,
                        **({"execution_count": None, "outputs": []} if kind == "code" else {})})
    for line in text.split("\n"):
        if line.startswith("//%%"):
            flush(); buf = []
            kind = "markdown" if line.strip() == "//%% md" else "code"
        else:
            buf.append(line)
    flush()
    return out

src, dst = sys.argv[1], sys.argv[2]
nb = {"cells": cells(open(src).read()),
      "metadata": {"kernelspec": {"display_name": "Java (Erasure)", "language": "java", "name": "erasure"},
                   "language_info": {"file_extension": ".jshell", "mimetype": "text/x-java-source", "name": "java"}},
      "nbformat": 4, "nbformat_minor": 5}
json.dump(nb, open(dst, "w"), indent=1, ensure_ascii=False)
open(dst, "a").write("\n")
