# NMSE of one matrix product when activations x are rounded to bf16 once
# versus split into bf16 hi + lo (the AVX-512 vdpbf16ps gemm), against a
# float64 product with the same bf16 weights. Numbers quoted in docs/kernels.md.
#   /usr/bin/python3 tools/kernels/bf16_activation_nmse.py
import numpy as np
rng=np.random.default_rng(0)
def bf16(a):
    b=a.astype(np.float32).view(np.uint32).astype(np.uint64)
    r=((b+0x7fff+((b>>16)&1))>>16)<<16
    return r.astype(np.uint32).view(np.float32)
for K in (576,1536):
    W=bf16(rng.standard_normal((576,K)).astype(np.float32)*0.05)
    x=rng.standard_normal((64,K)).astype(np.float32)
    y=x.astype(np.float64)@W.T.astype(np.float64)
    x1=bf16(x); y1=x1.astype(np.float64)@W.T
    lo=bf16(x-x1); y2=(x1.astype(np.float64)+lo)@W.T
    nm=lambda a: np.mean((a-y)**2)/np.mean(y**2)
    print(K, "NMSE x->bf16 once: %.2e   x->bf16 hi+lo: %.2e"%(nm(y1),nm(y2)))
