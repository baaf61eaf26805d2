/* mw.c - names for the error codes and error-status values of mw.h. */
#include "mw.h"

const char *
mw_strerror(int err)
{
    switch (err) {
    case MW_OK: return "ok";
    case MW_ETRUNC: return "truncated data";
    case MW_EBADLEN: return "bad length";
    case MW_EBADTAG: return "unexpected tag";
    case MW_EINTLEN: return "integer too long";
    case MW_EOIDARC: return "OID sub-identifier over 32 bits";
    case MW_EDEPTH: return "nesting too deep";
    case MW_ETOOBIG: return "message too big";
    case MW_EINVAL: return "invalid argument";
    case MW_ENOMEM: return "out of memory";
    case MW_EVERSION: return "unknown SNMP version";
    case MW_EOIDLEN: return "OID longer than 128 sub-identifiers";
    case MW_EOIDSYNTAX: return "bad OID syntax";
    case MW_ETOOMANY: return "too many varbinds";
    case MW_ETRAILING: return "trailing data";
    case MW_EPDU: return "unknown PDU type";
    case MW_ENOTSUPP: return "not supported";
    default: return "unknown error";
    }
}

static const char *const errstatus[] = {
    "noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr",
    "noAccess", "wrongType", "wrongLength", "wrongEncoding", "wrongValue",
    "noCreation", "inconsistentValue", "resourceUnavailable", "commitFailed",
    "undoFailed", "authorizationError", "notWritable", "inconsistentName",
};

const char *
mw_errstatus_name(int status)
{
    if (status < 0 || status >= (int)(sizeof errstatus / sizeof *errstatus))
        return "unknown";
    return errstatus[status];
}
