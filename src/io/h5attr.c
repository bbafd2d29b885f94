/* Attributes: scalar integers, reals and variable-length UTF-8 strings, as h5py writes them. */
#include "io/h5util.h"

/* Longest string attribute read (the format's strings are short names). */
#define MS_H5_MAX_STRING 4096

/* Checks that an open attribute holds one value: a scalar or a one-element array. */
static PetscErrorCode MSH5CheckAttrSingle(MSH5File *f, const char path[], const char name[], hid_t attr)
{
  hid_t       space;
  H5S_class_t cls;
  hssize_t    n;

  PetscFunctionBegin;
  space = H5Aget_space(attr);
  MSH5Call(space, f->name, path, "read an attribute's shape");
  cls = H5Sget_simple_extent_type(space);
  n   = H5Sget_simple_extent_npoints(space);
  MSH5Call(H5Sclose(space), f->name, path, "close an attribute's shape");
  PetscCheck(cls == H5S_SCALAR || (cls == H5S_SIMPLE && n == 1), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: attribute \"%s\" must hold one value, found %lld", f->name, path, name, cls == H5S_SIMPLE ? (long long)n : 0LL);
  PetscFunctionReturn(0);
}

/* Opens attribute `name` of object `path`, checking it exists, holds one value and has the
   expected class. */
static PetscErrorCode MSH5OpenAttr(MSH5File *f, const char path[], const char name[], H5T_class_t want, hid_t *attr, hid_t *dtype)
{
  PetscBool   exists;
  htri_t      has;
  H5T_class_t cls;

  PetscFunctionBegin;
  PetscCall(MSH5Exists(f, path, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: missing", f->name, path);
  has = H5Aexists_by_name(f->id, path, name, H5P_DEFAULT);
  PetscCheck(has > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: missing attribute \"%s\"", f->name, path, name);
  *attr = H5Aopen_by_name(f->id, path, name, H5P_DEFAULT, H5P_DEFAULT);
  MSH5Call(*attr, f->name, path, "open an attribute");
  PetscCall(MSH5CheckAttrSingle(f, path, name, *attr));
  *dtype = H5Aget_type(*attr);
  MSH5Call(*dtype, f->name, path, "read an attribute's type");
  cls = H5Tget_class(*dtype);
  PetscCheck(cls == want || (want == H5T_FLOAT && cls == H5T_INTEGER), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: attribute \"%s\" has the wrong type, expected %s", f->name, path, name,
             want == H5T_STRING ? "a string" : (want == H5T_INTEGER ? "an integer" : "a number"));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSH5CloseAttr(MSH5File *f, const char path[], hid_t attr, hid_t dtype)
{
  PetscFunctionBegin;
  MSH5Call(H5Tclose(dtype), f->name, path, "close an attribute's type");
  MSH5Call(H5Aclose(attr), f->name, path, "close an attribute");
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5ReadAttrInt(MSH5File *f, const char path[], const char name[], PetscInt *value)
{
  hid_t     attr, dtype;
  long long raw;

  PetscFunctionBegin;
  PetscCall(MSH5OpenAttr(f, path, name, H5T_INTEGER, &attr, &dtype));
  MSH5Call(H5Aread(attr, H5T_NATIVE_LLONG, &raw), f->name, path, "read an attribute");
  PetscCall(MSH5CloseAttr(f, path, attr, dtype));
  PetscCheck(raw >= 0 && raw < PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: attribute \"%s\" = %lld is negative or too large", f->name, path, name, raw);
  *value = (PetscInt)raw;
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5ReadAttrReal(MSH5File *f, const char path[], const char name[], PetscScalar *value)
{
  hid_t  attr, dtype;
  double raw;

  PetscFunctionBegin;
  PetscCall(MSH5OpenAttr(f, path, name, H5T_FLOAT, &attr, &dtype));
  MSH5Call(H5Aread(attr, H5T_NATIVE_DOUBLE, &raw), f->name, path, "read an attribute");
  PetscCall(MSH5CloseAttr(f, path, attr, dtype));
  PetscCheck(!PetscIsInfOrNanReal(raw), PETSC_COMM_SELF, PETSC_ERR_FP, "%s: %s: attribute \"%s\" is NaN or Inf", f->name, path, name);
  *value = raw;
  PetscFunctionReturn(0);
}

/* Copies s into buf (at most len - 1 characters) with control characters escaped as \n, \t or
   \xNN, so that a string from a file quoted in a message keeps the message on one line. */
static PetscErrorCode MSH5EscapeString(const char s[], char buf[], size_t len)
{
  size_t o = 0;

  PetscFunctionBegin;
  for (const unsigned char *c = (const unsigned char *)s; *c && o + 1 < len; c++) {
    char piece[8];

    if (*c == '\n') PetscCall(PetscStrncpy(piece, "\\n", sizeof(piece)));
    else if (*c == '\t') PetscCall(PetscStrncpy(piece, "\\t", sizeof(piece)));
    else if (*c < 0x20 || *c == 0x7f) PetscCall(PetscSNPrintf(piece, sizeof(piece), "\\x%02x", (unsigned)*c));
    else {
      piece[0] = (char)*c;
      piece[1] = '\0';
    }
    for (const char *p = piece; *p && o + 1 < len; p++) buf[o++] = *p;
  }
  buf[o] = '\0';
  PetscFunctionReturn(0);
}

/*
  Reads a scalar variable-length or fixed-length string attribute into buf (truncated to
  len - 1). Control characters are escaped (MSH5EscapeString()): the format's strings are names,
  which have none, so an escaped value never matches one and can be quoted in a message.
*/
PETSC_INTERN PetscErrorCode MSH5ReadAttrString(MSH5File *f, const char path[], const char name[], char buf[], size_t len)
{
  hid_t  attr, dtype, mtype;
  htri_t variable;

  PetscFunctionBegin;
  PetscCall(MSH5OpenAttr(f, path, name, H5T_STRING, &attr, &dtype));
  variable = H5Tis_variable_str(dtype);
  MSH5Call(variable, f->name, path, "read an attribute's type");
  mtype = H5Tcopy(H5T_C_S1);
  MSH5Call(mtype, f->name, path, "create a string type");
  MSH5Call(H5Tset_cset(mtype, H5Tget_cset(dtype)), f->name, path, "create a string type");
  if (variable) {
    char *s = NULL;

    MSH5Call(H5Tset_size(mtype, H5T_VARIABLE), f->name, path, "create a string type");
    MSH5Call(H5Aread(attr, mtype, &s), f->name, path, "read an attribute");
    PetscCall(MSH5EscapeString(s ? s : "", buf, len));
    H5free_memory(s);
  } else {
    size_t size = H5Tget_size(dtype);
    char  *s;

    PetscCheck(size > 0 && size <= MS_H5_MAX_STRING, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s: attribute \"%s\" is a string of %zu bytes, expected 1 to %d", f->name, path, name, size, MS_H5_MAX_STRING);
    PetscCall(PetscCalloc1(size + 1, &s));
    MSH5Call(H5Tset_size(mtype, size + 1), f->name, path, "create a string type");
    MSH5Call(H5Aread(attr, mtype, s), f->name, path, "read an attribute");
    PetscCall(MSH5EscapeString(s, buf, len));
    PetscCall(PetscFree(s));
  }
  MSH5Call(H5Tclose(mtype), f->name, path, "close a string type");
  PetscCall(MSH5CloseAttr(f, path, attr, dtype));
  PetscFunctionReturn(0);
}

static PetscErrorCode MSH5WriteAttr(MSH5File *f, const char path[], const char name[], hid_t ftype, hid_t mtype, const void *value)
{
  hid_t space, attr;

  PetscFunctionBegin;
  space = H5Screate(H5S_SCALAR);
  MSH5Call(space, f->name, path, "create a dataspace");
  attr = H5Acreate_by_name(f->id, path, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  MSH5Call(attr, f->name, path, "create an attribute");
  MSH5Call(H5Awrite(attr, mtype, value), f->name, path, "write an attribute");
  MSH5Call(H5Aclose(attr), f->name, path, "close an attribute");
  MSH5Call(H5Sclose(space), f->name, path, "close a dataspace");
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5WriteAttrInt(MSH5File *f, const char path[], const char name[], PetscInt value)
{
  int64_t raw = value;

  PetscFunctionBegin;
  PetscCall(MSH5WriteAttr(f, path, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &raw));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5WriteAttrReal(MSH5File *f, const char path[], const char name[], PetscScalar value)
{
  double raw = value;

  PetscFunctionBegin;
  PetscCall(MSH5WriteAttr(f, path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &raw));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode MSH5WriteAttrString(MSH5File *f, const char path[], const char name[], const char value[])
{
  hid_t type;

  PetscFunctionBegin;
  type = H5Tcopy(H5T_C_S1);
  MSH5Call(type, f->name, path, "create a string type");
  MSH5Call(H5Tset_size(type, H5T_VARIABLE), f->name, path, "create a string type");
  MSH5Call(H5Tset_cset(type, H5T_CSET_UTF8), f->name, path, "create a string type");
  PetscCall(MSH5WriteAttr(f, path, name, type, type, &value));
  MSH5Call(H5Tclose(type), f->name, path, "close a string type");
  PetscFunctionReturn(0);
}
