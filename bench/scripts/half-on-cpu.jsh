// Issue #16: half precision on the CPU, op by op (one libtorch thread, 3 calls each after a warm-up): a 320-channel
// 3×3 convolution at 32×32, a 1024×320×320 matrix product, 8-head attention over 1024 tokens, SiLU, in float32 and
// float16. Run from the repository root: install/jshell.sh -R-Xmx2g bench/scripts/half-on-cpu.jsh
// Recorded in bench/half-on-cpu-2core-20261207.txt.
import ai.djl.ndarray.*; import ai.djl.ndarray.types.*;
NDManager m = NDManager.newBaseManager();
void time(String name, java.util.function.Supplier<NDArray> f) { f.get().close(); long t=System.nanoTime(); int n=3; for(int i=0;i<n;i++) f.get().close(); System.out.printf("%-40s %8.1f ms%n", name, (System.nanoTime()-t)/1e6/n); }
for (DataType dt : new DataType[]{DataType.FLOAT32, DataType.FLOAT16}) {
  NDArray x = m.randomNormal(new Shape(1,320,32,32)).toType(dt,false);
  NDArray w = m.randomNormal(new Shape(320,320,3,3)).mul(0.01f).toType(dt,false);
  NDArray b = m.zeros(new Shape(320)).toType(dt,false);
  time(dt+" conv 320x32x32 3x3 (Nn.conv2d)", () -> Nn.conv2d(x, w, b, 1, 1, 1, 1));
  NDArray a = m.randomNormal(new Shape(1024,320)).toType(dt,false);
  NDArray lw = m.randomNormal(new Shape(320,320)).toType(dt,false);
  time(dt+" matmul 1024x320x320 (raw)", () -> a.matMul(lw));
  Weights lin = new Weights(Map.of("weight", lw), "bench");
  time(dt+" linear 1024x320x320 (Nn.linear)", () -> Nn.linear(lin, a));
  NDArray q = m.randomNormal(new Shape(1,1024,320)).toType(dt,false);
  time(dt+" attention 1024 tokens 8 heads", () -> Nn.attention(q, q, q, 8, null, false));
  time(dt+" silu", () -> Nn.silu(x));
}
