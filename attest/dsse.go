package attest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
)

// The in-toto and DSSE constants of every signed artefact.
const (
	PayloadType   = "application/vnd.in-toto+json"
	StatementType = "https://in-toto.io/Statement/v1"
	PredicateType = "https://seigarrena.dev/attestation/v1"
)

// Statement is an in-toto Statement v1. Fields are declared in sorted key
// order and the payload is encoded compactly without HTML escaping, which
// for these ASCII fields is exactly JCS, as the original engine writes it.
type Statement struct {
	Type          string    `json:"_type"`
	Predicate     Predicate `json:"predicate"`
	PredicateType string    `json:"predicateType"`
	Subject       []Subject `json:"subject"`
}

// Predicate identifies the producer. Extensions stay inside the predicate:
// cosign 3 rejects unknown top-level Statement fields.
type Predicate struct {
	StatementVersion int    `json:"statement_version,omitempty"`
	Tool             string `json:"tool"`
}

// Subject names a signed file relative to the artefact directory.
type Subject struct {
	Digest map[string]string `json:"digest"`
	Name   string            `json:"name"`
}

// Envelope is a DSSE envelope, written compactly with no trailing newline.
type Envelope struct {
	Payload     string      `json:"payload"`
	PayloadType string      `json:"payloadType"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// pae is the DSSE v1 pre-authentication encoding that is actually signed.
func pae(typ string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(typ), typ, len(payload), payload)
}

func compactJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// SignFile signs dir/name and returns the envelope bytes for dir/name.sig.
// A nil random source makes ECDSA deterministic (RFC 6979), so the same key
// and bytes give the same signature; it is ASN.1 DER, the encoding cosign
// and securesystemslib verify as it is.
func SignFile(k *ecdsa.PrivateKey, dir, name string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	st := Statement{Type: StatementType, Predicate: Predicate{StatementVersion: 1, Tool: "sei"}, PredicateType: PredicateType,
		Subject: []Subject{{Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}, Name: name}}}
	payload, err := compactJSON(st)
	if err != nil {
		return nil, err
	}
	d := sha256.Sum256(pae(PayloadType, payload))
	der, err := k.Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", name, err)
	}
	return compactJSON(Envelope{Payload: base64.StdEncoding.EncodeToString(payload), PayloadType: PayloadType,
		Signatures: []Signature{{KeyID: KeyID(&k.PublicKey), Sig: base64.StdEncoding.EncodeToString(der)}}})
}

// verifySig accepts ASN.1 DER (what sei writes) and raw 64-byte r‖s (what
// the original engine wrote).
func verifySig(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	if len(sig) == 64 {
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if ecdsa.Verify(pub, digest, r, s) {
			return true
		}
	}
	return ecdsa.VerifyASN1(pub, digest, sig)
}

// Verification failures, each with its own message.
var (
	ErrNoSignature  = errors.New("no signature")
	ErrBadSignature = errors.New("no signature verifies with a trusted key")
	ErrPayloadType  = errors.New("payload type is not " + PayloadType)
	ErrSubject      = errors.New("subject digest does not match the file")
)

// VerifyEnvelope checks one envelope read from dir against the trusted keys:
// payload type, a valid signature, an in-toto Statement v1, and every
// subject's SHA-256 against the file's bytes in dir. Subjects are read from
// the verified payload only.
func VerifyEnvelope(env []byte, dir string, trusted []*ecdsa.PublicKey) (*Statement, error) {
	var e Envelope
	if err := json.Unmarshal(env, &e); err != nil {
		return nil, fmt.Errorf("not a DSSE envelope: %w", err)
	}
	if e.PayloadType != PayloadType {
		return nil, ErrPayloadType
	}
	if len(e.Signatures) == 0 {
		return nil, ErrNoSignature
	}
	payload, err := base64.StdEncoding.DecodeString(e.Payload)
	if err != nil {
		return nil, fmt.Errorf("payload is not base64: %w", err)
	}
	if !anyValid(e.Signatures, payload, trusted) {
		return nil, ErrBadSignature
	}
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil || st.Type != StatementType || len(st.Subject) == 0 {
		return nil, fmt.Errorf("payload is not an in-toto Statement v1 with subjects")
	}
	for _, s := range st.Subject {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(s.Name)))
		if err != nil {
			return nil, fmt.Errorf("subject %s: %w", s.Name, err)
		}
		sum := sha256.Sum256(data)
		if s.Digest["sha256"] != hex.EncodeToString(sum[:]) {
			return nil, fmt.Errorf("%s: %w", s.Name, ErrSubject)
		}
	}
	return &st, nil
}

func anyValid(sigs []Signature, payload []byte, trusted []*ecdsa.PublicKey) bool {
	d := sha256.Sum256(pae(PayloadType, payload))
	for _, s := range sigs {
		raw, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			continue
		}
		for _, k := range trusted {
			if verifySig(k, d[:], raw) {
				return true
			}
		}
	}
	return false
}
