/*
 * wire — the sizes both ends of the node's HTTP API must agree on: the daemon refuses what is
 * larger, the CLI names the cap before sending. Header-only.
 */
#ifndef REMACTO_WIRE_H
#define REMACTO_WIRE_H

#define WIRE_MAX_BODY (8u << 20) /* a request body on the admin listener (JSON or CSV) */

#endif
