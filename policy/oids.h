/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OIDs more than one part of smimepolicy looks for, as DER contents (no
 * tag, no length), to compare with sp_der_equal_bytes(). OIDs only one
 * file needs stay in that file, next to their use.
 */
#ifndef SMIMEPOLICY_OIDS_H
#define SMIMEPOLICY_OIDS_H

#include <stdint.h>

extern const uint8_t sp_oid_ski[3]; /* 2.5.29.14 subjectKeyIdentifier */
extern const uint8_t sp_oid_san[3]; /* 2.5.29.17 subjectAltName */
extern const uint8_t sp_oid_aki[3]; /* 2.5.29.35 authorityKeyIdentifier */
extern const uint8_t sp_oid_eku[3]; /* 2.5.29.37 extKeyUsage */
extern const uint8_t sp_oid_aia[8]; /* 1.3.6.1.5.5.7.1.1 authorityInfoAccess */
extern const uint8_t sp_oid_kp_email[8]; /* 1.3.6.1.5.5.7.3.4 emailProtection */
/* The EKU purposes an S/MIME CA must not hold (SBR 7.1.2.2(g)). */
extern const uint8_t sp_oid_kp_server[8]; /* 1.3.6.1.5.5.7.3.1 serverAuth */
extern const uint8_t sp_oid_kp_code[8];   /* 1.3.6.1.5.5.7.3.3 codeSigning */
extern const uint8_t sp_oid_kp_time[8];   /* 1.3.6.1.5.5.7.3.8 timeStamping */
extern const uint8_t sp_oid_kp_any[4];    /* 2.5.29.37.0 anyExtendedKeyUsage */
extern const uint8_t sp_oid_smtputf8[8]; /* 1.3.6.1.5.5.7.8.9 SmtpUTF8Mailbox */

#endif
