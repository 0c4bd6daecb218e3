/* placeholder: helper A replaces this file */
int main(void) { return 0; }
