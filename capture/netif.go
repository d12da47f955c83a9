package capture

import "net"

func netInterfaceName(i int) (string, error) {
	ifc, err := net.InterfaceByIndex(i)
	if err != nil {
		return "", err
	}
	return ifc.Name, nil
}
