// Package providertest helps test captcha providers and the code around them.
//
// [Fake] is a scriptable [captcha.Provider] for testing handlers, adapters and
// the core without a vendor. [Run] is the conformance suite every real provider
// runs against its emulator, and [Fault] is the shared vocabulary of failures
// the emulators (tencenttest, aliyuntest, geetesttest) can inject.
package providertest
