/*
 * common_passwords: a shipped list of frequently used passwords of twelve or
 * more characters (shorter ones already fail the length rule).
 */
#include <stddef.h>

#include "common_passwords.h"

const char *const common_passwords[] = {
	"123456789012", "1234567890123", "12345678901234", "123456789123",
	"1234567891011", "123123123123", "111111111111", "000000000000",
	"121212121212", "123412341234", "147258369147", "qwertyuiop123",
	"qwertyuiopas", "qwertyuiopasdf", "qwertyuiopasdfgh",
	"qwertyuiopasdfghjkl", "qwerty123456", "qwerty12345678",
	"1qaz2wsx3edc", "1q2w3e4r5t6y", "1q2w3e4r5t6y7u8i", "zaq12wsxcde3",
	"zaq1zaq1zaq1", "asdfghjkl123", "asdfasdfasdf", "qweasdzxc123",
	"qazwsxedcrfv", "password1234", "password12345", "password123456",
	"passwordpassword", "password1234567", "password123!",
	"password@123", "passw0rd1234", "p@ssw0rd1234", "p@ssword1234",
	"mypassword123", "thisismypassword", "changeme1234", "changemenow!",
	"letmein12345", "letmeinplease", "welcome12345", "welcome123456",
	"welcome@1234", "iloveyou1234", "iloveyouforever", "administrator",
	"admin1234567", "admin123456789", "adminadmin123", "administrator1",
	"superman1234", "batman123456", "football1234", "baseball1234",
	"basketball12", "footballfootball", "princess1234", "sunshine1234",
	"starwars1234", "starwars12345", "monkey123456", "dragon123456",
	"master123456", "michael12345", "jennifer1234", "jordan231234",
	"liverpool123", "chelsea12345", "trustno1trustno1", "abcdefghijkl",
	"abcdefghijklm", "abcdefghijkl1", "abc123abc123", "abcd1234abcd",
	"aaaaaaaaaaaa", "abcabcabcabc", "qwertyqwerty", "asdfghjklqwe",
	"987654321098", "098765432109", "summer202020", "summer2023!!",
	"summer2024!!", "winter2024!!", "spring2024!!", "autumn2024!!",
	"correcthorsebatterystaple", "letmein123456", "secret123456",
	"secretpassword", "topsecret123", "computer1234", "internet1234",
	"company12345", "company123456", "welcometothejungle",
	"iloveyou12345", "lovelovelove", "hellohello12", "helloworld12",
	"helloworld123", "hello1234567", "whatever1234", "nopassword12",
	"password1!", "passwordqwerty", "q1w2e3r4t5y6", "1a2b3c4d5e6f",
	"a1b2c3d4e5f6", "11223344556677", "7777777777777", "5555555555555",
	"999999999999", "888888888888", "666666666666", "changeit1234",
	"default12345", "default123456", "guest1234567", "user12345678",
	"test12345678", "testtesttest", "testing12345", "demodemodemo",
	"erp123456789", "erpd12345678", "admin@localhost",
	"correct horse battery staple",
	NULL
};
