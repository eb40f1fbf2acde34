"""Helpers shared by the kernel's Python tests: start the installed kernel, run cells, collect outputs."""
import os
import time

import jupyter_client

KERNEL_NAME = os.environ.get("ERASURE_KERNEL_NAME", "erasure")


def start_kernel():
    return jupyter_client.manager.start_new_kernel(kernel_name=KERNEL_NAME, startup_timeout=90)


def stop_kernel(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def execute(kc, code, timeout=60):
    """Runs a cell; returns (reply content, iopub messages of this cell as (type, content), seconds)."""
    start = time.monotonic()
    msg_id = kc.execute(code)
    reply = None
    while reply is None:
        m = kc.get_shell_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") == msg_id:
            reply = m["content"]
    elapsed = time.monotonic() - start
    outputs = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
        outputs.append((m["msg_type"], m["content"]))
    return reply, outputs, elapsed


def result_text(outputs):
    return "".join(c["data"].get("text/plain", "") for t, c in outputs if t == "execute_result")


def stream_text(outputs, name="stdout"):
    return "".join(c["text"] for t, c in outputs if t == "stream" and c["name"] == name)


def errors(outputs):
    return [c for t, c in outputs if t == "error"]
