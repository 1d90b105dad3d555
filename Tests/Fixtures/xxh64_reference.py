#!/usr/bin/env python3
"""Reference values for Tests/StrataKernelsTests/ChecksumTests.swift.

Calls XXH64 from the reference C library (Debian package libxxhash0, libxxhash.so.0) through
ctypes, so the expected values do not come from Strata's own code. Prints Swift array literals
to paste into the test.

Inputs: `pattern(n)` is n bytes with byte i = (i * 31 + 7) mod 256.
- XXH64(pattern(n), seed) for the lengths and seeds below;
- the block-wise checksum C of docs/snapshot-format.md over pattern(n):
  C = XXH64(LE64(XXH64(block_0)) || ... ), blocks of 1 MiB, seed 0.
"""
import ctypes
import struct

lib = ctypes.CDLL("libxxhash.so.0")
lib.XXH64.restype = ctypes.c_uint64
lib.XXH64.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]


def xxh64(data: bytes, seed: int = 0) -> int:
    return lib.XXH64(data, len(data), seed)


def pattern(n: int) -> bytes:
    return bytes((i * 31 + 7) % 256 for i in range(n))


def blocked(data: bytes, block: int = 1 << 20) -> int:
    hashes = [xxh64(data[i:i + block]) for i in range(0, len(data), block)]
    return xxh64(b"".join(struct.pack("<Q", h) for h in hashes))


lengths = [0, 1, 3, 4, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100, 1000]
seeds = [0, 1, 0x9E3779B97F4A7C15]
print("// (length, seed, XXH64)")
for n in lengths:
    for s in seeds:
        print(f"    ({n}, 0x{s:016X}, 0x{xxh64(pattern(n), s):016X}),")
print("// (length, C)")
for n in [0, 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 5]:
    print(f"    ({n}, 0x{blocked(pattern(n)):016X}),")
