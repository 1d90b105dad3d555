# Reference outputs for RandomStreamTests.swift, from a plain Python transcription of the
# xoshiro256** and SplitMix64 reference C code (prng.di.unimi.it) and of RandomStream's
# documented seeding: key = mix(seed + γ) ^ stream; x = mix(key); s_i = SplitMix64(x) outputs.
M = (1 << 64) - 1
G = 0x9E3779B97F4A7C15
def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)
def splitmix(state, n):
    out = []
    for _ in range(n):
        state = (state + G) & M
        out.append(mix(state))
    return out
def rotl(x, k): return ((x << k) | (x >> (64 - k))) & M
def xoshiro(s, n):
    s = list(s); out = []
    for _ in range(n):
        out.append((rotl((s[1] * 5) & M, 7) * 9) & M)
        t = (s[1] << 17) & M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
    return out
print("splitmix64(1234567):", splitmix(1234567, 5))
print("xoshiro256** state (1,2,3,4):", xoshiro((1, 2, 3, 4), 6))
for seed, stream in [(42, 0), (42, 7), (0, 0)]:
    x = mix((mix((seed + G) & M) ^ stream) & M)
    print(f"RandomStream(seed: {seed}, stream: {stream}):", xoshiro(splitmix(x, 4), 4))
