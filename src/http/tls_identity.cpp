#include "http/tls_identity.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/private_files.h"

namespace tarifador::http {
namespace {

// RAII for libcrypto's objects.
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Ext = std::unique_ptr<X509_EXTENSION, ExtFree>;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  if (in) out << in.rdbuf();
  return out.str();
}

Cert ParseCert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

bool HasKey(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return bio && Pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)) != nullptr;
}

// Fingerprint, subject and expiry of `cert` into `id`.
void Describe(X509* cert, TlsIdentity& id) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  for (unsigned int i = 0; i < len; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, i + 1 < len ? "%02X:" : "%02X", md[i]);
    id.fingerprint_sha256 += hex;
  }
  Bio name(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(name.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  id.subject = BioText(name.get());
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) {
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    id.not_after = buf;
  }
}

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

base::Status Generate(const std::vector<std::string>& host_names, std::string* cert_pem, std::string* key_pem) {
  const auto fail = [](const char* what) {
    return base::Internal(std::string("generating the TLS certificate: ") + what);
  };
  Pkey key(EVP_EC_gen("P-256"));
  if (!key) return fail("no P-256 key");
  Cert cert(X509_new());
  if (!cert) return fail("out of memory");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return fail("no random serial");
  serial[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial, sizeof serial, nullptr), BN_free);
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) return fail("serial");
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // a box whose clock is a little behind
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  const std::string cn = host_names.empty() ? "tarifador" : host_names.front();
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("tarifador"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san;
  for (const std::string& h : host_names) {
    if (!h.empty() && h != "localhost") san += "DNS:" + h + ",";
  }
  san += "DNS:localhost,IP:127.0.0.1,IP:::1";
  if (!AddExtension(cert.get(), NID_subject_alt_name, san) ||
      !AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
      !AddExtension(cert.get(), NID_ext_key_usage, "serverAuth")) {
    return fail("extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return fail("signing");
  Bio cert_bio(BIO_new(BIO_s_mem()));
  Bio key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return fail("writing PEM");
  }
  *cert_pem = BioText(cert_bio.get());
  *key_pem = BioText(key_bio.get());
  return base::Status::Ok();
}

// Writes `text` to `path` through a temp file renamed into place, the file
// private (0600) before any byte is written.
base::Status WritePrivate(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::filesystem::remove(tmp);
  TARIFADOR_RETURN_IF_ERROR(base::EnsurePrivateFile(tmp));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return base::Unavailable("writing " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return base::Unavailable("renaming " + tmp + ": " + ec.message());
  return base::Status::Ok();
}

}  // namespace

base::Result<TlsIdentity> LoadTlsIdentity(const std::string& cert_path, const std::string& key_path) {
  TlsIdentity id;
  id.cert_pem = ReadText(cert_path);
  id.key_pem = ReadText(key_path);
  const Cert cert = ParseCert(id.cert_pem);
  if (!cert) return base::Unavailable("TLS: no PEM certificate in \"" + cert_path + "\"");
  if (!HasKey(id.key_pem)) return base::Unavailable("TLS: no PEM private key in \"" + key_path + "\"");
  Describe(cert.get(), id);
  return id;
}

base::Result<TlsIdentity> LoadOrCreateSelfSigned(const std::string& dir, const std::vector<std::string>& host_names) {
  TARIFADOR_RETURN_IF_ERROR(base::EnsurePrivateDir(dir));
  const std::string cert_path = dir + "/cert.pem";
  const std::string key_path = dir + "/key.pem";
  if (!std::filesystem::exists(cert_path) || !std::filesystem::exists(key_path)) {
    std::string cert_pem;
    std::string key_pem;
    TARIFADOR_RETURN_IF_ERROR(Generate(host_names, &cert_pem, &key_pem));
    // The key first: a crash between the two leaves no certificate without
    // its key, and the next start generates both again.
    TARIFADOR_RETURN_IF_ERROR(WritePrivate(key_path, key_pem));
    TARIFADOR_RETURN_IF_ERROR(WritePrivate(cert_path, cert_pem));
  }
  TARIFADOR_RETURN_IF_ERROR(base::EnsurePrivateFile(key_path, false));
  base::Result<TlsIdentity> id = LoadTlsIdentity(cert_path, key_path);
  if (!id.ok()) return id.status();
  id->self_signed = true;
  return id;
}

}  // namespace tarifador::http
