/* Philox-4x32-10 (Salmon et al., SC'11) and the per-task random streams built on it. */
#include <metasim/farm.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/*@C
  MSPhilox4x32 - one Philox-4x32-10 block: 128 random bits from a 128-bit counter and a 64-bit key

  Not Collective

  Input Parameters:
+ ctr - the counter
- key - the key

  Output Parameter:
. out - the four output words (may alias ctr)

  Notes:
  Matches the known-answer vectors of Random123's philox4x32_10.

  Level: advanced

.seealso: `MSRandomStream`, `MSRandomStreamInitialize()`
@*/
PetscErrorCode MSPhilox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
  uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]}, k0 = key[0], k1 = key[1];

  PetscFunctionBegin;
  for (int round = 0; round < 10; round++) {
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0], p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;

    c[1] = (uint32_t)p1;
    c[3] = (uint32_t)p0;
    c[0] = n0;
    c[2] = n2;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  for (int w = 0; w < 4; w++) out[w] = c[w];
  PetscFunctionReturn(0);
}

/*@C
  MSRandomStreamInitialize - starts the random stream with index stream under a global seed

  Not Collective

  Input Parameters:
+ rs     - the stream
. seed   - the global seed (the Philox key)
- stream - the stream index, e.g. a task index (the high half of the Philox counter)

  Notes:
  Streams with different (seed, stream) never overlap: each has 2^64 blocks of four words.

  Level: beginner

.seealso: `MSRandomStreamUniform()`, `MSRandomStreamInteger()`, `MSPhilox4x32()`
@*/
PetscErrorCode MSRandomStreamInitialize(MSRandomStream *rs, uint64_t seed, uint64_t stream)
{
  PetscFunctionBegin;
  PetscCheck(rs, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "MSRandomStreamInitialize: the stream is NULL");
  rs->key[0] = (uint32_t)seed;
  rs->key[1] = (uint32_t)(seed >> 32);
  rs->ctr[0] = rs->ctr[1] = 0;
  rs->ctr[2] = (uint32_t)stream;
  rs->ctr[3] = (uint32_t)(stream >> 32);
  rs->used   = 4;
  PetscFunctionReturn(0);
}

/*@C
  MSRandomStreamUInt32 - the next 32 random bits of a stream

  Not Collective

  Level: intermediate

.seealso: `MSRandomStreamUniform()`
@*/
PetscErrorCode MSRandomStreamUInt32(MSRandomStream *rs, uint32_t *x)
{
  PetscFunctionBegin;
  if (rs->used == 4) {
    PetscCall(MSPhilox4x32(rs->ctr, rs->key, rs->block));
    if (++rs->ctr[0] == 0) rs->ctr[1]++;
    rs->used = 0;
  }
  *x = rs->block[rs->used++];
  PetscFunctionReturn(0);
}

static PetscErrorCode MSRandomStreamUInt64(MSRandomStream *rs, uint64_t *x)
{
  uint32_t hi, lo;

  PetscFunctionBegin;
  PetscCall(MSRandomStreamUInt32(rs, &hi));
  PetscCall(MSRandomStreamUInt32(rs, &lo));
  *x = ((uint64_t)hi << 32) | lo;
  PetscFunctionReturn(0);
}

/*@C
  MSRandomStreamUniform - a uniform double in [0, 1) with 53 random bits

  Not Collective

  Level: beginner

.seealso: `MSRandomStreamInteger()`
@*/
PetscErrorCode MSRandomStreamUniform(MSRandomStream *rs, double *u)
{
  uint64_t x;

  PetscFunctionBegin;
  PetscCall(MSRandomStreamUInt64(rs, &x));
  *u = (double)(x >> 11) * 0x1.0p-53;
  PetscFunctionReturn(0);
}

/*@C
  MSRandomStreamInteger - an unbiased random integer in [0, n)

  Not Collective

  Input Parameters:
+ rs - the stream
- n  - the number of possible values, n >= 1

  Output Parameter:
. k - the integer

  Level: beginner

.seealso: `MSRandomStreamUniform()`
@*/
PetscErrorCode MSRandomStreamInteger(MSRandomStream *rs, uint64_t n, uint64_t *k)
{
  uint64_t x, reject_below;

  PetscFunctionBegin;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "MSRandomStreamInteger: the range [0, n) needs n >= 1");
  reject_below = (0 - n) % n; /* 2^64 mod n: values below it would favour small results */
  do PetscCall(MSRandomStreamUInt64(rs, &x));
  while (x < reject_below);
  *k = x % n;
  PetscFunctionReturn(0);
}
