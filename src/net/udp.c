/* udp.c - UDP sockets on libevent, read in batches. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "udp.h"

/* Reads take up to UDP_BATCH datagrams per call, each into a buffer of
 * UDP_MAXPKT bytes. A socket starts with one buffer and grows to the full
 * batch (4 MiB) the first time two reads in a row fill it, that is once
 * datagrams queue up: a one-shot command that reads one answer never maps
 * the batch (scripts/bench/startup). */
#define UDP_BATCH 64
#define UDP_MAXPKT 65536
/* The send queue goes out at 32 datagrams (or after a read batch): with
 * many requests in flight to one agent, the agent starts on the first
 * half while this side prepares the second, instead of both sides taking
 * turns over whole batches (measured: 64 in flight, 195k -> 320k GET/s). */
#define OUT_BATCH 32
#define OUT_BYTES (256 * 1024)
/* the queue's buffer starts at OUT_FIRST bytes and grows to OUT_BYTES the
 * first time a datagram does not fit (as the read batch does) */
#define OUT_FIRST (16 * 1024)
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#define GSO_MAX_SEGS 64      /* the kernel's limit before 5.x grew it */
#define GSO_MAX_BYTES 60000  /* a run's payload, under 64 KiB with headers */

struct udp_sock {
    int fd;
    int family;
    struct event *ev;   /* owned */
    int reading;
    udp_rx_cb cb;
    void *arg;
    uint8_t *bufs;      /* owned: nbufs * UDP_MAXPKT */
    int nbufs;          /* 1, then UDP_BATCH */
    struct mmsghdr msgs[UDP_BATCH];
    struct iovec iov[UDP_BATCH];
    struct sockaddr_storage from[UDP_BATCH];
    /* send queue */
    struct event *flush_ev;     /* owned */
    uint8_t *out;               /* owned: outcap bytes */
    size_t outlen, outcap;      /* outcap: OUT_FIRST, then OUT_BYTES */
    unsigned nout;
    struct mmsghdr omsgs[OUT_BATCH];
    struct iovec oiov[OUT_BATCH];
    struct sockaddr_in6 oto[OUT_BATCH];
    /* runs of equal datagrams to one peer go out as one UDP GSO send */
    int gso;                    /* 0 once the kernel has refused it */
    uint64_t gso_datagrams;     /* sent within such runs */
    struct mmsghdr gmsgs[OUT_BATCH];
    struct iovec giov[OUT_BATCH];
    unsigned gfirst[OUT_BATCH + 1];
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        struct cmsghdr align;
    } gctl[OUT_BATCH];
};

/* -d: every datagram sent or received, in hex on stderr as net-snmp's
 * tools print it (snmp_api.c and xdump). */
static int dump_packets;

void
udp_set_dump(int on)
{
    dump_packets = on;
}

static void
dump_addr(const struct sockaddr *sa, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
    }
    snprintf(buf, cap, "[%s]:%u", host, port);
}

static void
dump(const udp_sock_t *s, int sending, const struct sockaddr *peer, const uint8_t *p, size_t len)
{
    struct sockaddr_storage ls;
    socklen_t ll = sizeof ls;
    char remote[INET6_ADDRSTRLEN + 16], local[INET6_ADDRSTRLEN + 16] = "[?]:0";
    dump_addr(peer, remote, sizeof remote);
    if (getsockname(s->fd, (struct sockaddr *)&ls, &ll) == 0)
        dump_addr((struct sockaddr *)&ls, local, sizeof local);
    const char *kind = peer->sa_family == AF_INET6 ? "UDP/IPv6" : "UDP";
    if (sending)
        fprintf(stderr, "\nSending %zu bytes to %s: %s->%s\n", len, kind, remote, local);
    else
        fprintf(stderr, "\nReceived %zu byte packet from %s: %s->%s\n", len, kind, remote, local);
    for (size_t i = 0; i < len; i += 16) {
        char line[128];
        size_t n = (size_t)snprintf(line, sizeof line, "%04zu: ", i);
        for (size_t j = 0; j < 16; j++) {
            if (i + j < len)
                n += (size_t)snprintf(line + n, sizeof line - n, "%02X ", p[i + j]);
            else
                n += (size_t)snprintf(line + n, sizeof line - n, "   ");
            if (j % 4 == 3)
                line[n++] = ' ';
        }
        line[n++] = ' ';
        line[n++] = ' ';
        for (size_t j = 0; j < 16 && i + j < len; j++)
            line[n++] = (p[i + j] >= 0x20 && p[i + j] < 0x7f) ? (char)p[i + j] : '.';
        line[n] = '\0';
        fprintf(stderr, "%s\n", line);
    }
    fprintf(stderr, "\n");
    fflush(stderr);
}

/* Sends queued datagrams [from, to) one message each. */
static void
send_each(udp_sock_t *s, unsigned from, unsigned to)
{
    unsigned done = from;
    while (done < to) {
        int n = sendmmsg(s->fd, s->omsgs + done, to - done, 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            /* a datagram we could not send is a lost datagram: skip it and
             * let the retry timers cover it */
            done++;
            continue;
        }
        done += (unsigned)n;
    }
}

static int
same_peer(const struct msghdr *a, const struct msghdr *b)
{
    return a->msg_namelen == b->msg_namelen && memcmp(a->msg_name, b->msg_name, a->msg_namelen) == 0;
}

/* Groups the queue into runs for UDP GSO: datagrams to one peer, of one
 * size but the last (which may be shorter), in a row. The kernel then
 * builds and routes a run once and cuts it into the same datagrams. A run
 * of one is a plain message. Returns the number of messages. */
static unsigned
group_runs(udp_sock_t *s)
{
    unsigned ng = 0, i = 0;
    while (i < s->nout) {
        size_t seg = s->oiov[i].iov_len, total = seg;
        unsigned j = i + 1;
        while (j < s->nout && j - i < GSO_MAX_SEGS && s->oiov[j].iov_len <= seg
               && total + s->oiov[j].iov_len <= GSO_MAX_BYTES
               && same_peer(&s->omsgs[i].msg_hdr, &s->omsgs[j].msg_hdr)) {
            total += s->oiov[j].iov_len;
            if (s->oiov[j++].iov_len < seg)
                break; /* a shorter one ends the run */
        }
        struct msghdr *h = &s->gmsgs[ng].msg_hdr;
        *h = s->omsgs[i].msg_hdr;
        if (j - i > 1) {
            /* the queue keeps datagrams back to back: one buffer */
            s->giov[ng].iov_base = s->oiov[i].iov_base;
            s->giov[ng].iov_len = total;
            h->msg_iov = &s->giov[ng];
            h->msg_iovlen = 1;
            h->msg_control = s->gctl[ng].buf;
            h->msg_controllen = sizeof s->gctl[ng].buf;
            struct cmsghdr *c = CMSG_FIRSTHDR(h);
            uint16_t gs = (uint16_t)seg;
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof gs);
            memcpy(CMSG_DATA(c), &gs, sizeof gs);
        }
        s->gfirst[ng++] = i;
        i = j;
    }
    s->gfirst[ng] = s->nout;
    return ng;
}

void
udp_flush(udp_sock_t *s)
{
    unsigned ng = s->gso && s->nout > 1 ? group_runs(s) : 0;
    if (ng == 0 || ng == s->nout) {
        send_each(s, 0, s->nout);
    } else {
        unsigned g = 0;
        while (g < ng) {
            int n = sendmmsg(s->fd, s->gmsgs + g, ng - g, 0);
            if (n > 0) {
                for (unsigned k = g; k < g + (unsigned)n; k++)
                    if (s->gfirst[k + 1] - s->gfirst[k] > 1)
                        s->gso_datagrams += s->gfirst[k + 1] - s->gfirst[k];
                g += (unsigned)n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            unsigned a = s->gfirst[g], b = s->gfirst[g + 1];
            if (b - a > 1) {
                /* a run the kernel would not cut: send it datagram by
                 * datagram; without GSO at all here, stop trying */
                if (errno != EINVAL && errno != EMSGSIZE)
                    s->gso = 0;
                send_each(s, a, b);
            }
            g++;
        }
    }
    s->nout = 0;
    s->outlen = 0;
}

uint64_t
udp_gso_datagrams(const udp_sock_t *s)
{
    return s->gso_datagrams;
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    udp_flush(arg);
}

static int udp_send_plain(udp_sock_t *s, const struct sockaddr *to, socklen_t tolen,
                          const uint8_t *buf, size_t len);

int
udp_queue(udp_sock_t *s, const struct sockaddr *to, socklen_t tolen, const uint8_t *buf, size_t len)
{
    if (dump_packets)
        dump(s, 1, to, buf, len);
    if (len > OUT_BYTES / 4 || tolen > sizeof s->oto[0])
        return udp_send_plain(s, to, tolen, buf, len);
    if (s->nout == OUT_BATCH || s->outlen + len > s->outcap) {
        int grow = s->outlen + len > s->outcap && s->outcap < OUT_BYTES;
        udp_flush(s);
        if (grow) {
            /* the queue is empty now: the buffer moves with nothing in it */
            uint8_t *p = realloc(s->out, OUT_BYTES);
            if (!p && len > s->outcap)
                return udp_send_plain(s, to, tolen, buf, len);
            if (p) {
                s->out = p;
                s->outcap = OUT_BYTES;
            }
        }
    }
    unsigned i = s->nout++;
    memcpy(s->out + s->outlen, buf, len);
    memcpy(&s->oto[i], to, tolen);
    s->oiov[i].iov_base = s->out + s->outlen;
    s->oiov[i].iov_len = len;
    memset(&s->omsgs[i].msg_hdr, 0, sizeof s->omsgs[i].msg_hdr);
    s->omsgs[i].msg_hdr.msg_iov = &s->oiov[i];
    s->omsgs[i].msg_hdr.msg_iovlen = 1;
    s->omsgs[i].msg_hdr.msg_name = &s->oto[i];
    s->omsgs[i].msg_hdr.msg_namelen = tolen;
    s->outlen += len;
    if (i == 0)
        event_active(s->flush_ev, EV_WRITE, 0);
    return 0;
}

/* Points the read batch's messages at bufs. */
static void
aim_bufs(udp_sock_t *s)
{
    for (int i = 0; i < s->nbufs; i++) {
        s->iov[i].iov_base = s->bufs + (size_t)i * UDP_MAXPKT;
        s->iov[i].iov_len = UDP_MAXPKT;
        s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
        s->msgs[i].msg_hdr.msg_iovlen = 1;
        s->msgs[i].msg_hdr.msg_name = &s->from[i];
    }
}

/* The full batch; where memory is short the socket goes on with the one
 * buffer it has. */
static void
grow_bufs(udp_sock_t *s)
{
    uint8_t *p = malloc((size_t)UDP_BATCH * UDP_MAXPKT);
    if (!p)
        return;
    free(s->bufs);
    s->bufs = p;
    s->nbufs = UDP_BATCH;
    aim_bufs(s);
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
    udp_sock_t *s = arg;
    (void)what;
    /* Drain a few batches per wake-up, then give others a turn. */
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < s->nbufs; i++) {
            s->msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
            s->msgs[i].msg_hdr.msg_flags = 0;
        }
        int n = recvmmsg(fd, s->msgs, (unsigned)s->nbufs, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        for (int i = 0; i < n; i++) {
            if (s->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
                continue; /* larger than any SNMP message we accept */
            if (dump_packets)
                dump(s, 0, (struct sockaddr *)&s->from[i], s->bufs + (size_t)i * UDP_MAXPKT,
                     s->msgs[i].msg_len);
            s->cb(s, s->bufs + (size_t)i * UDP_MAXPKT, s->msgs[i].msg_len,
                  (struct sockaddr *)&s->from[i], s->msgs[i].msg_hdr.msg_namelen, s->arg);
            if (s->fd < 0) /* closed by the callback */
                return;
        }
        if (s->nout)
            udp_flush(s);
        if (n < s->nbufs)
            return;
        /* a second full read in one wake-up: datagrams are queueing */
        if (round > 0 && s->nbufs < UDP_BATCH)
            grow_bufs(s); /* the callbacks are done with the buffers */
    }
}

static void set_reading(udp_sock_t *s, int on);

udp_sock_t *
udp_open(struct event_base *base, const struct sockaddr *addr, socklen_t len,
         udp_rx_cb cb, void *arg, int *err)
{
    udp_sock_t *s = calloc(1, sizeof *s);
    int one = 1, rcvbuf = 4 << 20;
    if (!s) {
        *err = ENOMEM;
        return NULL;
    }
    s->fd = -1;
    s->family = addr->sa_family;
    s->gso = 1;
    s->nbufs = 1;
    s->bufs = malloc(UDP_MAXPKT);
    if (!s->bufs)
        goto fail;
    s->fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0)
        goto fail;
    if (addr->sa_family == AF_INET6)
        setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    /* bursts (a fan-out's answers, a trap storm) need room: the FORCE
     * variants pass the rmem_max/wmem_max caps when we are privileged */
    if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
        setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
        setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof rcvbuf);
    if (bind(s->fd, addr, len) < 0)
        goto fail;
    aim_bufs(s);
    s->cb = cb;
    s->arg = arg;
    s->ev = event_new(base, s->fd, EV_READ | EV_PERSIST, on_read, s);
    if (!s->ev)
        goto fail;
    s->flush_ev = event_new(base, -1, 0, on_flush, s);
    s->outcap = OUT_FIRST;
    s->out = malloc(OUT_FIRST);
    if (!s->flush_ev || !s->out)
        goto fail;
    set_reading(s, 1);
    return s;
fail:
    *err = errno ? errno : ENOMEM;
    if (s->ev)
        event_free(s->ev);
    if (s->flush_ev)
        event_free(s->flush_ev);
    if (s->fd >= 0)
        close(s->fd);
    free(s->out);
    free(s->bufs);
    free(s);
    return NULL;
}

static void
set_reading(udp_sock_t *s, int on)
{
    if (on && !s->reading)
        event_add(s->ev, NULL);
    else if (!on && s->reading)
        event_del(s->ev);
    s->reading = on;
}

void
udp_close(udp_sock_t *s)
{
    if (!s)
        return;
    if (s->nout)
        udp_flush(s);
    if (s->ev)
        event_free(s->ev);
    if (s->flush_ev)
        event_free(s->flush_ev);
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->out);
    free(s->bufs);
    free(s);
}

static int
udp_send_plain(udp_sock_t *s, const struct sockaddr *to, socklen_t tolen, const uint8_t *buf, size_t len)
{
    ssize_t n = sendto(s->fd, buf, len, 0, to, tolen);
    if (n < 0)
        return -errno;
    return 0;
}

int
udp_send(udp_sock_t *s, const struct sockaddr *to, socklen_t tolen, const uint8_t *buf, size_t len)
{
    if (dump_packets)
        dump(s, 1, to, buf, len);
    ssize_t n = sendto(s->fd, buf, len, 0, to, tolen);
    if (n < 0)
        return -errno;
    return 0;
}


int
udp_fd(const udp_sock_t *s)
{
    return s->fd;
}

int
udp_local(const udp_sock_t *s, struct sockaddr_storage *ss, socklen_t *len)
{
    *len = sizeof *ss;
    return getsockname(s->fd, (struct sockaddr *)ss, len) < 0 ? -errno : 0;
}

int
udp_parse_peer(const char *spec, char *hostbuf, size_t hostcap, int *port, int defport)
{
    int family = AF_UNSPEC;
    const char *h = spec, *p = NULL;
    size_t hl;

    if (strncmp(spec, "udp6:", 5) == 0) {
        family = AF_INET6;
        h = spec + 5;
    } else if (strncmp(spec, "udp:", 4) == 0) {
        family = AF_INET;
        h = spec + 4;
    } else if (strncmp(spec, "tcp:", 4) == 0 || strncmp(spec, "tcp6:", 5) == 0) {
        return MW_EINVAL;
    }
    if (*h == '[') {
        const char *end = strchr(h, ']');
        if (!end)
            return MW_EINVAL;
        hl = (size_t)(end - h - 1);
        h++;
        if (end[1] == ':')
            p = end + 2;
        else if (end[1] != '\0')
            return MW_EINVAL;
        if (family == AF_UNSPEC)
            family = AF_INET6;
    } else {
        const char *c = strchr(h, ':');
        if (c && strchr(c + 1, ':')) {
            /* a bare IPv6 literal (udp6:::1) or v6 with port like net-snmp
             * "udp6:::1:1161" is ambiguous: treat the whole as an address
             * unless it ends in a port after the last colon and the rest
             * parses as an address */
            const char *last = strrchr(h, ':');
            char tmp[INET6_ADDRSTRLEN + 1];
            struct in6_addr a6;
            size_t l = (size_t)(last - h);
            if (family == AF_INET6 && l < sizeof tmp) {
                memcpy(tmp, h, l);
                tmp[l] = '\0';
                if (inet_pton(AF_INET6, tmp, &a6) == 1 && inet_pton(AF_INET6, h, &a6) != 1) {
                    hl = l;
                    p = last + 1;
                    goto copy;
                }
            }
            hl = strlen(h);
            if (family == AF_UNSPEC)
                family = AF_INET6;
        } else if (c) {
            hl = (size_t)(c - h);
            p = c + 1;
        } else {
            hl = strlen(h);
        }
    }
copy:
    if (hl == 0 || hl >= hostcap)
        return MW_EINVAL;
    memcpy(hostbuf, h, hl);
    hostbuf[hl] = '\0';
    if (p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (*p == '\0' || *end != '\0' || v < 0 || v > 65535)
            return MW_EINVAL;
        *port = (int)v;
    } else {
        *port = defport;
    }
    return family;
}

int
udp_literal_addr(const char *host, int port, int family, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (family != AF_INET6) {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        if (inet_pton(AF_INET, host, &a->sin_addr) == 1) {
            a->sin_family = AF_INET;
            a->sin_port = htons((uint16_t)port);
            *len = sizeof *a;
            return 0;
        }
    }
    if (family != AF_INET) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) == 1) {
            a->sin6_family = AF_INET6;
            a->sin6_port = htons((uint16_t)port);
            *len = sizeof *a;
            return 0;
        }
    }
    return MW_EINVAL;
}

void
udp_format_addr(const struct sockaddr *sa, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        snprintf(buf, cap, "%s:%u", host, ntohs(a->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        snprintf(buf, cap, "[%s]:%u", host, ntohs(a->sin6_port));
    } else {
        snprintf(buf, cap, "?");
    }
}

int
udp_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return 0;
    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
        return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
    }
    return 0;
}
