"""Robustness of the installed kernel with a real client: bad messages, interrupts, fatal errors in cells."""
import hashlib
import hmac
import json
import os
import random
import time
import unittest
import uuid

import zmq

from kernel_util import errors, execute, result_text, start_kernel, stop_kernel


class KernelRobustness(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_kernel()
        reply, _, _ = execute(cls.kc, "int keep = 42;")
        assert reply["status"] == "ok", reply

    @classmethod
    def tearDownClass(cls):
        stop_kernel(cls.km, cls.kc)

    def assert_state_kept(self):
        reply, outputs, _ = execute(self.kc, "keep")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(result_text(outputs), "42")

    def interrupt_after(self, code, seconds):
        """Starts a cell, sends interrupt_request after `seconds`; returns (its reply, seconds it took to end)."""
        msg_id = self.kc.execute(code)
        time.sleep(seconds)  # it is running now
        sent = time.monotonic()
        self.km.interrupt_kernel()
        while True:
            reply = self.kc.get_shell_msg(timeout=10)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply, time.monotonic() - sent

    def test_kernel_info_has_status(self):
        self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(reply["content"]["implementation"], "erasure-kernel")

    def test_unknown_request_gets_error_reply(self):
        msg = self.kc.session.msg("usage_request", {})
        self.kc.shell_channel.send(msg)
        while True:
            reply = self.kc.get_shell_msg(timeout=10)
            if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                break
        self.assertEqual(reply["msg_type"], "usage_reply")
        self.assertEqual(reply["content"]["status"], "error")

    def test_history_replies(self):
        execute(self.kc, "keep + 1")
        msg_id = self.kc.history(hist_access_type="tail", n=5, output=False, raw=True)
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertIn("keep + 1", [h[2] for h in reply["content"]["history"]])

    def test_1000_bad_messages_leave_kernel_alive(self):
        info = self.km.get_connection_info()
        key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
        ctx = zmq.Context.instance()
        rnd = random.Random(1234)
        sockets = []
        for port in (info["shell_port"], info["control_port"]):
            s = ctx.socket(zmq.DEALER)
            s.setsockopt(zmq.LINGER, 0)
            s.connect(f"{info['transport']}://{info['ip']}:{port}")
            sockets.append(s)

        def signed(parts, good=True):
            mac = hmac.new(key if good else b"not-the-key", digestmod=hashlib.sha256)
            for p in parts:
                mac.update(p)
            return mac.hexdigest().encode()

        def header(msg_type):
            return json.dumps({"msg_id": str(uuid.uuid4()), "username": "x", "session": "s", "date": "2024-01-01T00:00:00Z",
                               "msg_type": msg_type, "version": "5.3"}).encode()

        def bad_message(i):
            kind = i % 8
            h = header("execute_request")
            content = json.dumps({"code": "keep = 0;", "silent": False}).encode()
            parts = [h, b"{}", b"{}", content]
            if kind == 0:  # random frames, no delimiter
                return [os.urandom(rnd.randint(0, 64)) for _ in range(rnd.randint(1, 6))]
            if kind == 1:  # wrong key: must not run (it would set keep = 0)
                return [b"<IDS|MSG>", signed(parts, good=False)] + parts
            if kind == 2:  # unsigned
                return [b"<IDS|MSG>", b""] + parts
            if kind == 3:  # too few frames
                return [b"<IDS|MSG>", signed(parts)] + parts[:2]
            if kind == 4:  # signed garbage JSON
                junk = [os.urandom(20), b"{", b"[]", b"\xff\xfe"]
                return [b"<IDS|MSG>", signed(junk)] + junk
            if kind == 5:  # signed header without msg_type
                hp = [b'{"msg_id": "1"}', b"{}", b"{}", b"{}"]
                return [b"<IDS|MSG>", signed(hp)] + hp
            if kind == 6:  # signed, content not an object
                cp = [header("kernel_info_request"), b"{}", b"{}", b"42"]
                return [b"<IDS|MSG>", signed(cp)] + cp
            # tampered content under a signature made for other content
            return [b"<IDS|MSG>", signed(parts)] + parts[:3] + [b'{"code": "keep = 1;"}']

        for i in range(1000):
            sockets[i % 2].send_multipart(bad_message(i))
        time.sleep(1.0)
        for s in sockets:
            s.close()

        self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=20)
        self.assertEqual(reply["msg_type"], "kernel_info_reply")
        self.assert_state_kept()  # no forged execute_request ran

    def test_interrupt_cancellable_task_within_one_second(self):
        code = ('try (Task task = Task.start("forever", 1_000_000_000L, ProgressListener.NONE)) {\n'
                '    while (true) { for (int k = 0; k < 10_000; k++) Math.sqrt(k); task.step(); }\n'
                '}')
        reply, took = self.interrupt_after(code, 1.5)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "InterruptedException")
        self.assertLess(took, 1.0, f"interrupt took {took:.2f}s")
        self.assert_state_kept()

    def test_interrupt_keeps_the_partial_result_in_the_variable(self):
        # each step outlasts the 0.4 s grace period, as one UNet call on a CPU does
        reply, _, _ = execute(self.kc, 'String slowRun(int n) {\n'
                              '  int done = 0;\n'
                              '  try (Task task = Task.start("slow run", n, ProgressListener.NONE)) {\n'
                              '    for (int i = 0; i < n; i++) { long end = System.nanoTime() + 700_000_000L; while (System.nanoTime() < end) { } done++; task.step(); }\n'
                              '  } catch (CancelledException e) { }\n'
                              '  return "partial " + done;\n'
                              '}')
        self.assertEqual(reply["status"], "ok", reply)
        reply, _ = self.interrupt_after("String kept = slowRun(50);", 2.0)
        content = reply["content"]
        self.assertEqual(content["ename"], "InterruptedException")
        self.assertRegex(content["evalue"], r"line 1: slow run stopped at \d+ of 50; partial result in kept ")
        reply, outputs, _ = execute(self.kc, "kept")
        steps = content["evalue"].split("stopped at ")[1].split(" ")[0]
        self.assertEqual(result_text(outputs), "partial " + steps)
        self.assert_state_kept()

    def test_interrupt_tight_loop_without_checks(self):
        reply, took = self.interrupt_after("long spins = 0;\nwhile (true) { spins++; }", 1.0)
        self.assertEqual(reply["content"]["ename"], "InterruptedException")
        self.assertLess(took, 2.0)
        self.assert_state_kept()

    def test_exception_keeps_state(self):
        reply, outputs, _ = execute(self.kc, "int z = 1;\nint w = z / 0;")
        self.assertEqual(reply["status"], "error")
        err = errors(outputs)[0]
        self.assertEqual(err["ename"], "java.lang.ArithmeticException")
        self.assertIn("line 2", err["traceback"][1])  # the cell frame comes first
        self.assert_state_kept()

    def test_compile_error_points_at_line_and_column(self):
        reply, outputs, _ = execute(self.kc, 'int a = 1;\nint b = "x";')
        err = errors(outputs)[0]
        self.assertEqual(err["ename"], "CompilationError")
        self.assertIn("line 2, column 9", err["evalue"])
        self.assertTrue(any('int b = "x";' in line for line in err["traceback"]))

    def test_stack_overflow_keeps_state(self):
        execute(self.kc, "int down(int n) { return down(n + 1) + 1; }")
        reply, outputs, _ = execute(self.kc, "down(0)", timeout=120)
        self.assertEqual(reply["status"], "error")
        self.assertEqual(errors(outputs)[0]["ename"], "java.lang.StackOverflowError")
        self.assert_state_kept()

    def test_out_of_memory_keeps_state(self):
        code = "{ var hog = new ArrayList<long[]>();\n  while (true) hog.add(new long[8_000_000]); }"
        reply, outputs, _ = execute(self.kc, code, timeout=120)
        self.assertEqual(reply["status"], "error")
        self.assertEqual(errors(outputs)[0]["ename"], "java.lang.OutOfMemoryError")
        self.assert_state_kept()


if __name__ == "__main__":
    unittest.main()


class StopOnError(unittest.TestCase):
    """Run All sends every cell at once: after a failing cell the queued ones are aborted, as in IPython."""

    def test_cells_queued_behind_a_failure_are_aborted(self):
        km, kc = start_kernel()
        try:
            ids = [kc.execute("int a = 1;"), kc.execute("Object o = null; o.hashCode();"),
                   kc.execute("int b = 2;"), kc.execute("int c = 3;")]
            replies = {}
            while len(replies) < len(ids):
                m = kc.get_shell_msg(timeout=60)
                if m["parent_header"].get("msg_id") in ids:
                    replies[m["parent_header"]["msg_id"]] = m["content"]["status"]
            self.assertEqual([replies[i] for i in ids], ["ok", "error", "aborted", "aborted"])
            reply, outputs, _ = execute(kc, "a + 1")  # sent after the failure: runs
            self.assertEqual(reply["status"], "ok")
            self.assertEqual(result_text(outputs), "2")
            reply, _, _ = execute(kc, "b")  # the aborted cell never ran
            self.assertEqual(reply["status"], "error")
            ids = [kc.execute("int d = 1 / 0;", stop_on_error=False), kc.execute("int e = 5;")]
            replies = {}
            while len(replies) < len(ids):
                m = kc.get_shell_msg(timeout=60)
                if m["parent_header"].get("msg_id") in ids:
                    replies[m["parent_header"]["msg_id"]] = m["content"]["status"]
            self.assertEqual([replies[i] for i in ids], ["error", "ok"], "stop_on_error=False keeps going")
        finally:
            stop_kernel(km, kc)


class ThreadDefaults(unittest.TestCase):
    def test_jvm_magic_shows_the_thread_settings(self):
        km, kc = start_kernel()
        try:
            reply, outputs, _ = execute(kc, "%jvm")
            text = result_text(outputs) + "".join(c["text"] for t, c in outputs if t == "stream")
            self.assertIn("intra-op 1 ", text)  # test.sh installs with --threads 1
            self.assertIn("OMP_WAIT_POLICY=PASSIVE", text)  # install.sh writes it into kernel.json
            self.assertIn("Conv     ", text)  # the convolution path and its start-up check: README "Reliability"
        finally:
            stop_kernel(km, kc)
