"""The Jupyter protocol conformance suite (Debian's python3-jupyter-kernel-test) against the installed kernel."""
import unittest

import jupyter_kernel_test as jkt

from kernel_util import KERNEL_NAME


class ErasureKernelConformance(jkt.KernelTests):
    kernel_name = KERNEL_NAME
    language_name = "java"
    file_extension = ".jshell"

    code_hello_world = 'System.out.println("hello, world");'
    code_stderr = 'System.err.println("oops");'
    completion_samples = [{"text": "Math.ab", "matches": {"abs(", "absExact("}}]
    complete_code_samples = ["1 + 1", "int x = 1;", "void f() { }"]
    incomplete_code_samples = ["for (int i = 0; i < 10; i++) {", "int y = (1 +"]
    invalid_code_samples = ["int x = );"]
    code_generate_error = 'throw new IllegalStateException("boom");'
    code_execute_result = [{"code": "6 * 7", "result": "42"}, {"code": '"a" + "b"', "result": "ab"}]
    code_display_data = [{"code": 'display(html("<b>hi</b>"));', "mime": "text/html"},
                         {"code": "display(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB));", "mime": "image/png"}]
    code_inspect_sample = "Math.abs"
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "6 *"


if __name__ == "__main__":
    unittest.main()
