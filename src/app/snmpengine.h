/* snmpengine.h - the local SNMP engine: this side's snmpEngineID (RFC 3411
 * section 5), snmpEngineBoots and snmpEngineTime (RFC 3414 2.2), wherever
 * moonwalk is the authoritative engine: the agent (requests), the
 * receiver (informs) and the originator (traps).
 *
 * An agent and a receiver each have one engine; the process has one more
 * (snmpengine_local), which v3 traps sent from sessions carry unless the
 * session is given another one.
 *
 * Engine IDs are made in the RFC 3411 "enterprise-specific" form that
 * net-snmp uses: 0x80 0x00 0x1f 0x88 (enterprise 8072), format 0x80, 8
 * random octets from getrandom(2) and the creation time (4 octets,
 * seconds): 17 octets. There is no weaker fallback: without a random
 * source no ID is made.
 *
 * Engine time counts seconds since the engine was started, on the
 * monotonic clock (a change of the wall clock does not move it).
 *
 * The state file keeps the engine ID and boots across restarts, one
 * "key value" line each ("engineID 80001f8880...", "engineBoots 3"), and
 * other lines its owner keeps there (the agent's writable sysContact,
 * sysName, sysLocation), carried over as they are. It is rewritten at
 * every start (boots + 1) through a temporary file in the same directory
 * and rename(2), so a crash leaves the old file or the new one, never half
 * of one. Its directory is created with its parents (mode 0700) when
 * missing. A file whose engineID or engineBoots line does not parse is
 * refused (it is not silently replaced: boots must never go back, or old
 * messages could be replayed). Boots stay at 2147483647 once there (RFC
 * 3414 2.2.2: the engine then needs a new engine ID). */
#ifndef MW_SNMPENGINE_H
#define MW_SNMPENGINE_H

#include <stddef.h>
#include <stdint.h>

typedef struct snmpengine snmpengine_t;

#define SNMPENGINE_ID_MIN 5
#define SNMPENGINE_ID_MAX 32
#define SNMPENGINE_ID_GENERATED 17
#define SNMPENGINE_BOOTS_MAX 2147483647

/* A new engine, not started yet (no engine ID, boots 0), with one
 * reference. NULL when out of memory. */
snmpengine_t *snmpengine_new(void);
void snmpengine_retain(snmpengine_t *e);
/* Drops a reference; the last one frees. NULL is ignored. */
void snmpengine_release(snmpengine_t *e);

/* Writes a new engine ID (SNMPENGINE_ID_GENERATED octets) into out.
 * 0, or -errno when the system gives no random octets. */
int snmpengine_id_generate(uint8_t *out);

/* Reads the state file at path and keeps path as the engine's state file:
 * the stored engine ID (which replaces the engine's), boots and the other
 * lines. A missing file is an empty state. 0, or <0 with a message in err
 * (errcap octets): the file cannot be read, or it is corrupt. */
int snmpengine_load(snmpengine_t *e, const char *path, char *err, size_t errcap);

/* Starts (or restarts) the engine. The engine ID: id (len octets) when
 * given, else the one it has (loaded), else a new one. Boots: with a
 * state file, the stored boots + 1 (1 when none were stored); without,
 * boots (1 when negative). Time starts at 0 now. Writes nothing. 0, or
 * MW_EINVAL (id not 5 to 32 octets) or -errno (no random source), with a
 * message in err. */
int snmpengine_boot(snmpengine_t *e, const uint8_t *id, size_t len, int32_t boots, char *err,
                    size_t errcap);

/* Writes the state file, when the engine has one (0 otherwise). 0, or
 * -errno with a message in err. */
int snmpengine_save(const snmpengine_t *e, char *err, size_t errcap);

/* load (when path is not NULL), boot and save: how an engine starts. */
int snmpengine_start(snmpengine_t *e, const char *path, const uint8_t *id, size_t len,
                     int32_t boots, char *err, size_t errcap);

/* "dir/name" into out (cap octets); MW_EINVAL when it does not fit. */
int snmpengine_path(char *out, size_t cap, const char *dir, const char *name);

int snmpengine_started(const snmpengine_t *e);
/* The engine ID (len 0 before the engine is started). */
const uint8_t *snmpengine_id(const snmpengine_t *e, size_t *len);
int32_t snmpengine_boots(const snmpengine_t *e);
/* Seconds since the engine was started (0 before). */
int32_t snmpengine_time(const snmpengine_t *e);
/* The state file, or NULL. */
const char *snmpengine_state_file(const snmpengine_t *e);

/* The other lines of the state file: the value kept under key, or NULL;
 * set replaces it (value NULL removes it). key has no blanks, value no
 * line breaks (MW_EINVAL). Saved by the next snmpengine_save. */
const char *snmpengine_state_get(const snmpengine_t *e, const char *key);
int snmpengine_state_set(snmpengine_t *e, const char *key, const char *value);

/* The process's own engine, started on first use (a new engine ID, boots
 * 1, no state file) unless started before through this pointer. NULL
 * when it cannot be made (no memory, no random source). */
snmpengine_t *snmpengine_local(void);

/* mkdir -p: creates dir and its missing parents (mode 0700). 0 or -errno
 * (-ENOTDIR when a part of it is not a directory). */
int snmpengine_mkdirs(const char *dir);

#endif
