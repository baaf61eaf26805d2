/* udp.h - UDP sockets on libevent, read in batches (recvmmsg). */
#ifndef MW_UDP_H
#define MW_UDP_H

#include <sys/socket.h>
#include <netinet/in.h>

#include "../core/mw.h"

struct event_base;
typedef struct udp_sock udp_sock_t;

/* Called once per datagram; buf is valid only during the call. */
typedef void (*udp_rx_cb)(udp_sock_t *s, const uint8_t *buf, size_t len,
                          const struct sockaddr *from, socklen_t fromlen, void *arg);

/* Opens a socket bound to addr (port 0 for an ephemeral one). */
udp_sock_t *udp_open(struct event_base *base, const struct sockaddr *addr, socklen_t len,
                     udp_rx_cb cb, void *arg, int *err);
void udp_close(udp_sock_t *s);
int udp_send(udp_sock_t *s, const struct sockaddr *to, socklen_t tolen, const uint8_t *buf, size_t len);
/* Queues a datagram (copied) and sends the queue with sendmmsg after the
 * current batch of callbacks, or when it fills. */
int udp_queue(udp_sock_t *s, const struct sockaddr *to, socklen_t tolen, const uint8_t *buf, size_t len);
void udp_flush(udp_sock_t *s);
/* on: every datagram sent or received is dumped in hex on stderr (-d) */
void udp_set_dump(int on);
/* Datagrams sent within UDP GSO runs (equal datagrams to one peer). */
uint64_t udp_gso_datagrams(const udp_sock_t *s);
/* Local address as bound (for tests that ask the OS for a free port). */
int udp_local(const udp_sock_t *s, struct sockaddr_storage *ss, socklen_t *len);
int udp_fd(const udp_sock_t *s);

/* Parses "udp:host:port", "udp6:[addr]:port", "host", "host:port",
 * "[v6]:port" into host and port. Writes host into hostbuf. Returns the
 * family hint: AF_INET, AF_INET6 or AF_UNSPEC, or MW_EINVAL. */
int udp_parse_peer(const char *spec, char *hostbuf, size_t hostcap, int *port, int defport);
/* Fills ss from a literal address (no DNS); MW_EINVAL when not literal. */
int udp_literal_addr(const char *host, int port, int family, struct sockaddr_storage *ss, socklen_t *len);
/* Formats an address as net-snmp does in messages: "127.0.0.1:161",
 * "[::1]:161". */
void udp_format_addr(const struct sockaddr *sa, char *buf, size_t cap);
int udp_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
