"""Shift-Tab (inspect_request) through the real protocol: the API's javadoc, and a variable's type and value."""
import unittest

from kernel_util import execute, start_kernel, stop_kernel


class KernelInspect(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_kernel()

    @classmethod
    def tearDownClass(cls):
        stop_kernel(cls.km, cls.kc)

    def inspect(self, code, cursor):
        msg_id = self.kc.inspect(code, cursor, detail_level=0)
        while True:
            reply = self.kc.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                self.assertEqual(reply["msg_type"], "inspect_reply")
                return reply["content"]

    def test_api_javadoc_summary(self):
        for code, summary in [("Erasure.of", "Erasure of concepts from a loaded Stable Diffusion's UNet"),
                              ("Preserve.adversarial", "EAP with K candidate concepts")]:
            content = self.inspect(code, len(code))
            self.assertEqual(content["status"], "ok")
            self.assertTrue(content["found"], code)
            self.assertIn(summary, content["data"]["text/plain"], code)

    def test_variable_type_and_value(self):
        reply, _, _ = execute(self.kc, 'List<String> words = List.of("church", "tree");')
        self.assertEqual(reply["status"], "ok")
        content = self.inspect("words.size()", 3)
        self.assertTrue(content["found"])
        self.assertEqual(content["data"]["text/plain"], "words : List<String>\n[church, tree]")


if __name__ == "__main__":
    unittest.main()
