/* mw.h - error codes and SMI/BER tag constants shared by every layer. */
#ifndef MW_H
#define MW_H

#include <stddef.h>
#include <stdint.h>

enum {
    MW_OK = 0,
    MW_ETRUNC = -1,     /* data ends before the element does */
    MW_EBADLEN = -2,    /* length runs past its container, or unsupported form */
    MW_EBADTAG = -3,    /* unexpected or unsupported tag */
    MW_EINTLEN = -4,    /* integer too long for its type */
    MW_EOIDARC = -5,    /* OID sub-identifier over 32 bits */
    MW_EDEPTH = -6,     /* nesting deeper than SNMP uses */
    MW_ETOOBIG = -7,    /* encoding does not fit the caller's buffer */
    MW_EINVAL = -8,     /* bad argument */
    MW_ENOMEM = -9,
    MW_EVERSION = -10,  /* unknown SNMP version */
    MW_EOIDLEN = -11,   /* OID longer than 128 sub-identifiers */
    MW_EOIDSYNTAX = -12,/* text OID does not parse */
    MW_ETOOMANY = -13,  /* more varbinds than the caller's array holds */
    MW_ETRAILING = -14, /* bytes after the end of the message */
    MW_EPDU = -15,      /* unknown PDU type */
    MW_ENOTSUPP = -16,
};

const char *mw_strerror(int err);

/* Universal and application tags (RFC 2578 / RFC 3416). */
enum {
    MW_T_INTEGER = 0x02,
    MW_T_OCTETSTR = 0x04,
    MW_T_NULL = 0x05,
    MW_T_OID = 0x06,
    MW_T_SEQUENCE = 0x30,
    MW_T_IPADDR = 0x40,
    MW_T_COUNTER32 = 0x41,
    MW_T_GAUGE32 = 0x42,
    MW_T_TIMETICKS = 0x43,
    MW_T_OPAQUE = 0x44,
    MW_T_NSAP = 0x45,
    MW_T_COUNTER64 = 0x46,
    MW_T_UINTEGER32 = 0x47,
    MW_T_NOSUCHOBJECT = 0x80,
    MW_T_NOSUCHINSTANCE = 0x81,
    MW_T_ENDOFMIBVIEW = 0x82,
};

/* PDU tags. */
enum {
    MW_PDU_GET = 0xA0,
    MW_PDU_GETNEXT = 0xA1,
    MW_PDU_RESPONSE = 0xA2,
    MW_PDU_SET = 0xA3,
    MW_PDU_TRAPV1 = 0xA4,
    MW_PDU_GETBULK = 0xA5,
    MW_PDU_INFORM = 0xA6,
    MW_PDU_TRAPV2 = 0xA7,
    MW_PDU_REPORT = 0xA8,
};

enum { MW_V1 = 0, MW_V2C = 1, MW_V3 = 3 };

/* Error-status values (RFC 3416). */
enum {
    MW_ERR_NOERROR = 0, MW_ERR_TOOBIG, MW_ERR_NOSUCHNAME, MW_ERR_BADVALUE,
    MW_ERR_READONLY, MW_ERR_GENERR, MW_ERR_NOACCESS, MW_ERR_WRONGTYPE,
    MW_ERR_WRONGLENGTH, MW_ERR_WRONGENCODING, MW_ERR_WRONGVALUE,
    MW_ERR_NOCREATION, MW_ERR_INCONSISTENTVALUE, MW_ERR_RESOURCEUNAVAILABLE,
    MW_ERR_COMMITFAILED, MW_ERR_UNDOFAILED, MW_ERR_AUTHORIZATIONERROR,
    MW_ERR_NOTWRITABLE, MW_ERR_INCONSISTENTNAME,
};

const char *mw_errstatus_name(int status);

#endif
